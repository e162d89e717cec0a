package pii

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// ReporterKey returns a keyed hash (HMAC-SHA-256, hex) that identifies the
// same reporter across reports without revealing who it is: the business
// registration number when there is one, since a business may call from
// several phones, else the phone number. Inputs are reduced to their digits,
// so "010-1234-5678" and "01012345678" give the same key. It returns "" when
// both are empty: such a report cannot be attributed and the importer must
// have rejected it.
//
// The two kinds of input are hashed under different labels, so a phone
// number can never collide with a business number of the same digits.
//
// Being keyed, the hash cannot be reversed by hashing every possible phone
// number (there are only about 10⁸) without the key. The key is derived
// from the master key, so rotating the master key changes every reporter
// key: recompute stored reporter keys when rotating, or counts of distinct
// reporters will split.
func (k *Key) ReporterKey(phoneDigits, businessNumberDigits string) string {
	label, value := "business:", digits(businessNumberDigits)
	if value == "" {
		label, value = "phone:", digits(phoneDigits)
	}
	if value == "" {
		return ""
	}
	m := hmac.New(sha256.New, k.macKey[:])
	m.Write([]byte(label)) // hash.Hash.Write never returns an error
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil))
}

func digits(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' {
			b = append(b, c)
		}
	}
	return string(b)
}
