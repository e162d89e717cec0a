package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
)

// Errors from Open. They say what went wrong without saying anything about
// the plaintext.
var (
	ErrMalformed  = errors.New("pii: ciphertext is too short to be valid")
	ErrUnknownKey = errors.New("pii: ciphertext was sealed with a key that is not loaded")
	ErrDecrypt    = errors.New("pii: ciphertext does not authenticate (tampered, wrong key or wrong associated data)")
)

const nonceSize = 12 // GCM standard nonce

// Overhead is how many bytes Seal adds to a plaintext: key id, nonce, tag.
const Overhead = 1 + nonceSize + 16

// Sealer encrypts and decrypts personal fields with AES-256-GCM. It seals
// with the current key and opens with any key it holds, so a key can be
// rotated by loading the new key as current and the old one as previous,
// then rewrapping stored values (see Rewrap). Safe for concurrent use.
type Sealer struct {
	current *Key
	aeads   map[byte]cipher.AEAD
}

// NewSealer builds a sealer. Keys whose ids collide cannot be told apart in
// a ciphertext, so that is an error; the remedy is to generate a new key.
func NewSealer(current *Key, previous ...*Key) (*Sealer, error) {
	if current == nil {
		return nil, errors.New("pii: sealer needs a current key")
	}
	s := &Sealer{current: current, aeads: map[byte]cipher.AEAD{}}
	seen := map[byte]*Key{}
	for _, k := range append([]*Key{current}, previous...) {
		if k == nil {
			continue
		}
		if prev, ok := seen[k.id]; ok {
			if prev.Equal(k) {
				continue
			}
			return nil, fmt.Errorf("pii: two different keys share key id %#02x; generate a new key", k.id)
		}
		block, err := aes.NewCipher(k.encKey[:])
		if err != nil {
			return nil, fmt.Errorf("pii: AES key: %w", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("pii: GCM: %w", err)
		}
		seen[k.id] = k
		s.aeads[k.id] = aead
	}
	return s, nil
}

// Seal encrypts plaintext. The output is key id ‖ random nonce ‖ GCM
// ciphertext and tag; the key id is authenticated along with ad.
//
// associatedData must name where the value belongs, such as the report id
// and field name (see FieldAD). GCM then authenticates the ciphertext
// together with its place: a ciphertext copied to another row or another
// column fails to open instead of silently showing one person's phone
// number on another person's report. The same data must be given to Open.
//
// Nonces are random (96 bits). That is safe far beyond this application's
// volume: the collision risk stays negligible up to billions of values per
// key.
func (s *Sealer) Seal(plaintext, associatedData []byte) ([]byte, error) {
	aead := s.aeads[s.current.id]
	out := make([]byte, 1+nonceSize, Overhead+len(plaintext))
	out[0] = s.current.id
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("pii: nonce: %w", err)
	}
	return aead.Seal(out, out[1:1+nonceSize], plaintext, bindKeyID(out[0], associatedData)), nil
}

// Open decrypts a value sealed by Seal with the same associated data.
func (s *Sealer) Open(ciphertext, associatedData []byte) ([]byte, error) {
	if len(ciphertext) < Overhead {
		return nil, ErrMalformed
	}
	aead, ok := s.aeads[ciphertext[0]]
	if !ok {
		return nil, fmt.Errorf("%w (key id %#02x)", ErrUnknownKey, ciphertext[0])
	}
	nonce := ciphertext[1 : 1+nonceSize]
	pt, err := aead.Open(nil, nonce, ciphertext[1+nonceSize:], bindKeyID(ciphertext[0], associatedData))
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

// SealString is Seal for text fields.
func (s *Sealer) SealString(plaintext string, associatedData []byte) ([]byte, error) {
	return s.Seal([]byte(plaintext), associatedData)
}

// OpenString is Open for text fields.
func (s *Sealer) OpenString(ciphertext, associatedData []byte) (string, error) {
	pt, err := s.Open(ciphertext, associatedData)
	if err != nil {
		return "", err
	}
	return string(pt), nil
}

// NeedsRewrap reports whether a ciphertext was sealed with a key other than
// the current one.
func (s *Sealer) NeedsRewrap(ciphertext []byte) bool {
	return len(ciphertext) > 0 && ciphertext[0] != s.current.id
}

// Rewrap opens a ciphertext with whichever key sealed it and seals it again
// with the current key, for key rotation.
func (s *Sealer) Rewrap(ciphertext, associatedData []byte) ([]byte, error) {
	pt, err := s.Open(ciphertext, associatedData)
	if err != nil {
		return nil, err
	}
	defer clear(pt)
	return s.Seal(pt, associatedData)
}

// ReporterKey identifies a reporter with the current key; see
// Key.ReporterKey.
func (s *Sealer) ReporterKey(phoneDigits, businessNumberDigits string) string {
	return s.current.ReporterKey(phoneDigits, businessNumberDigits)
}

// CurrentKeyID is the id new ciphertexts carry.
func (s *Sealer) CurrentKeyID() byte { return s.current.id }

func bindKeyID(id byte, ad []byte) []byte {
	out := make([]byte, 0, 1+len(ad))
	out = append(out, id)
	return append(out, ad...)
}

// AssociatedData encodes parts unambiguously (each length-prefixed), so
// that ("1", "2x") and ("12", "x") never produce the same bytes.
func AssociatedData(parts ...string) []byte {
	n := 0
	for _, p := range parts {
		n += len(p) + 4
	}
	out := make([]byte, 0, n)
	for _, p := range parts {
		out = strconv.AppendInt(out, int64(len(p)), 10)
		out = append(out, ':')
		out = append(out, p...)
	}
	return out
}

// FieldAD is the associated data for one personal field of one stored
// record: the table (e.g. "report"), the record's id and the column name.
// The id must be known before sealing; an importer that inserts in batches
// can use a stable row reference such as the import batch and line instead,
// as long as reading uses the same.
func FieldAD(table string, id int64, field string) []byte {
	return AssociatedData(table, strconv.FormatInt(id, 10), field)
}
