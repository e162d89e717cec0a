package models

import (
	"errors"
	"fmt"
)

// Kind classifies a domain error. The server maps each kind to exactly one
// HTTP status in one place, so domain code never thinks about HTTP.
type Kind string

const (
	KindBadRequest   Kind = "bad_request"  // malformed input (400)
	KindUnauthorized Kind = "unauthorized" // not signed in or bad credentials (401)
	KindForbidden    Kind = "forbidden"    // signed in but not allowed (403)
	KindNotFound     Kind = "not_found"    // absent, or hidden from this caller (404)
	KindConflict     Kind = "conflict"     // clashes with the object's current state (409)
	KindTooLarge     Kind = "too_large"    // body or file over the limit (413)
	KindInvalid      Kind = "invalid"      // well-formed but fails a rule (422)
	KindTooMany      Kind = "too_many"     // rate limited (429)
	KindUnavailable  Kind = "unavailable"  // a dependency is down (503)
	KindInternal     Kind = "internal"     // anything unexpected (500)
)

// Error is the one error vocabulary of the domain. Code is a stable
// snake_case identifier that clients and the message catalogues key on;
// Message is safe to show to the person who made the request. Internal
// causes stay in Err and are logged, never rendered.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Fields  map[string]string
	Details any // extra structured payload, e.g. the rows of a rejected import
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds a domain error with a safe message.
func Errorf(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithField names the input field that caused the error.
func (e *Error) WithField(name, why string) *Error {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	e.Fields[name] = why
	return e
}

// ErrorKind returns the kind of the first domain error in err's chain, or
// KindInternal for anything the domain did not classify.
func ErrorKind(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// Common errors shared across the domain.
var (
	ErrNotFound           = &Error{Kind: KindNotFound, Code: "not_found", Message: "The requested item does not exist."}
	ErrInvalidCredentials = &Error{Kind: KindUnauthorized, Code: "invalid_credentials", Message: "The e-mail address or password is incorrect."}
	ErrTooManyAttempts    = &Error{Kind: KindTooMany, Code: "too_many_attempts", Message: "Too many failed sign-in attempts. Wait 15 minutes and try again."}
	ErrForbidden          = &Error{Kind: KindForbidden, Code: "forbidden", Message: "You are not allowed to do this."}
)
