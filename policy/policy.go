// Package policy holds every authorization decision of Roundtable: the
// casbin model and policy are embedded files, and one Authorizer answers
// "may this person do this action to this object?" for the middleware and
// for handlers alike.
package policy

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	stringadapter "github.com/casbin/casbin/v2/persist/string-adapter"
)

//go:embed model.conf
var modelConf string

//go:embed policy.csv
var policyCSV string

// Anonymous is the role of a visitor who has not signed in.
const Anonymous = "anonymous"

// Subject is who asks. Field names are referenced by the policy's
// conditions, so renaming one is a policy change.
type Subject struct {
	ID    int64
	Role  string
	Group string
	Votes bool
}

// Object is what is asked about. Kind alone asks the route-level question;
// a non-zero ID with attributes asks about one loaded object.
type Object struct {
	Kind    string
	ID      int64
	OwnerID int64
	Status  string
}

// Kind is an object of the given kind with nothing loaded yet.
func Kind(kind string) Object { return Object{Kind: kind} }

// Authorizer evaluates the embedded policy. It is safe for concurrent use:
// the enforcer is only read after construction.
type Authorizer struct {
	enforcer *casbin.Enforcer
	// decisions remembers answers: the policy never changes after New and
	// an answer depends on nothing but its question, while evaluating the
	// casbin matcher costs tens of microseconds, twice per request.
	decisions sync.Map // question → bool
	// remembered counts entries; past memoLimit the memory starts afresh,
	// so questions about ever new objects cannot grow it without bound.
	remembered atomic.Int64
	memoLimit  int64
}

// question is one Can call; every field is comparable.
type question struct {
	sub Subject
	obj Object
	act string
}

const defaultMemoLimit = 1 << 16

// New loads the embedded model and policy.
func New() (*Authorizer, error) { return newFromCSV(policyCSV) }

func newFromCSV(csv string) (*Authorizer, error) {
	m, err := model.NewModelFromString(modelConf)
	if err != nil {
		return nil, fmt.Errorf("load policy model: %w", err)
	}
	e, err := casbin.NewEnforcer(m, stringadapter.NewAdapter(stripComments(csv)))
	if err != nil {
		return nil, fmt.Errorf("load policy: %w", err)
	}
	return &Authorizer{enforcer: e, memoLimit: defaultMemoLimit}, nil
}

// stripComments drops comment and blank lines, which the string adapter
// would otherwise try to parse as rules.
func stripComments(csv string) string {
	var b strings.Builder
	for _, line := range strings.Split(csv, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		b.WriteString(t)
		b.WriteByte('\n')
	}
	return b.String()
}

// Can reports whether sub may do act to obj. An evaluation error denies:
// a broken rule must never open a door.
func (a *Authorizer) Can(sub Subject, obj Object, act string) bool {
	if sub.Role == "" {
		sub.Role = Anonymous
	}
	q := question{sub: sub, obj: obj, act: act}
	if v, found := a.decisions.Load(q); found {
		return v.(bool)
	}
	ok, err := a.enforcer.Enforce(sub, obj, act)
	if err != nil {
		return false // not remembered: an error is not an answer
	}
	if a.remembered.Add(1) > a.memoLimit {
		a.decisions.Clear()
		a.remembered.Store(1)
	}
	a.decisions.Store(q, ok)
	return ok
}

// Err is Can as an error for handlers, nil when allowed.
func (a *Authorizer) Err(sub Subject, obj Object, act string) error {
	if a.Can(sub, obj, act) {
		return nil
	}
	return fmt.Errorf("%s may not %s %s %d: %w", sub.Role, act, obj.Kind, obj.ID, ErrDenied)
}

// ErrDenied marks an authorization refusal.
var ErrDenied = fmt.Errorf("permission denied")

// Rules lists the (role, kind, action) triples that have an allow row, for
// the route-coverage test and the role matrix in docs.
func (a *Authorizer) Rules() [][]string {
	rules, err := a.enforcer.GetPolicy()
	if err != nil {
		return nil
	}
	return rules
}
