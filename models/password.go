package models

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// PasswordParams is the argon2id cost. Hashes carry their own parameters,
// so raising the cost later does not break existing accounts.
type PasswordParams struct {
	Time    uint32
	MemoryK uint32
	Threads uint8
}

// DefaultPasswordParams follows the OWASP minimum for argon2id.
var DefaultPasswordParams = PasswordParams{Time: 2, MemoryK: 19 * 1024, Threads: 1}

const (
	minPasswordLen = 10
	maxPasswordLen = 200
)

func hashPassword(p PasswordParams, password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryK, p.Threads, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryK, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// checkPassword compares in constant time. A malformed stored hash never
// matches.
func checkPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	var p PasswordParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryK, &p.Time, &p.Threads); err != nil {
		return false
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryK, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

func validatePassword(pw string) *Error {
	n := len([]rune(pw))
	switch {
	case n < minPasswordLen:
		return Errorf(KindInvalid, "weak_password", "The password must have at least %d characters.", minPasswordLen).WithField("password", "too_short")
	case n > maxPasswordLen:
		return Errorf(KindInvalid, "weak_password", "The password must have at most %d characters.", maxPasswordLen).WithField("password", "too_long")
	}
	return nil
}
