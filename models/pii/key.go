package pii

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/hkdf"
)

// KeySize is the length of the master key in bytes.
const KeySize = 32

// ErrNoKey means neither a key value nor a key file was given.
var ErrNoKey = errors.New("pii: no data key configured (set ROUNDTABLE_DATA_KEY or a key file)")

// hkdfSalt separates our derivations from any other use of the same master
// key material; changing it changes every derived key.
const hkdfSalt = "roundtable/pii/v1"

// HKDF info labels, one per derived key.
const (
	infoEncrypt  = "aes-256-gcm field encryption"
	infoReporter = "hmac-sha256 reporter identity"
	infoKeyID    = "key id"
)

// Key holds the subkeys derived from one master key. The master key itself
// is not kept: nothing needs it once the subkeys exist.
type Key struct {
	id       byte
	encKey   [32]byte
	macKey   [32]byte
	checksum [8]byte // identifies the master key for equality tests without exposing it
}

// ID is the byte that prefixes every ciphertext sealed with this key.
func (k *Key) ID() byte { return k.id }

// String never prints key material, so a key that ends up in a log line
// leaks nothing.
func (k *Key) String() string { return fmt.Sprintf("pii.Key{id: %#02x}", k.id) }

// GoString keeps %#v as safe as %v.
func (k *Key) GoString() string { return k.String() }

// Equal reports whether two keys come from the same master key.
func (k *Key) Equal(o *Key) bool {
	return o != nil && subtle.ConstantTimeCompare(k.checksum[:], o.checksum[:]) == 1
}

// NewKey derives the subkeys from 32 bytes of master key material.
//
// HKDF-SHA-256 (RFC 5869) gives independent keys for encryption and for the
// reporter HMAC, so that the hash key is not the encryption key: a hash
// stored next to a ciphertext reveals nothing about how to decrypt it, and
// neither use can be turned against the other. The key id is derived the
// same way, so the same master key always gets the same id.
func NewKey(master []byte) (*Key, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("pii: key must be %d bytes, got %d", KeySize, len(master))
	}
	if allSame(master) {
		return nil, errors.New("pii: key material is a repeated byte; generate a random key")
	}
	k := &Key{}
	var id [1]byte
	for _, d := range []struct {
		info string
		out  []byte
	}{
		{infoEncrypt, k.encKey[:]},
		{infoReporter, k.macKey[:]},
		{infoKeyID, id[:]},
	} {
		r := hkdf.New(sha256.New, master, []byte(hkdfSalt), []byte(d.info))
		if _, err := io.ReadFull(r, d.out); err != nil {
			return nil, fmt.Errorf("pii: derive %s key: %w", d.info, err)
		}
	}
	k.id = id[0]
	sum := sha256.Sum256(append([]byte("roundtable/pii/checksum:"), master...))
	copy(k.checksum[:], sum[:])
	return k, nil
}

func allSame(b []byte) bool {
	for _, c := range b[1:] {
		if c != b[0] {
			return false
		}
	}
	return true
}

// ParseKey decodes a master key written as hex (64 digits) or base64
// (standard or URL alphabet, padded or not), as found in
// ROUNDTABLE_DATA_KEY. The caller reads the environment; this package
// reads none.
func ParseKey(value string) (*Key, error) {
	v := strings.TrimSpace(value)
	if v == "" {
		return nil, ErrNoKey
	}
	master, err := decodeKeyText(v)
	if err != nil {
		return nil, err
	}
	defer clear(master)
	return NewKey(master)
}

func decodeKeyText(v string) ([]byte, error) {
	if len(v) == 2*KeySize {
		if b, err := hex.DecodeString(v); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(v); err == nil {
			if len(b) != KeySize {
				return nil, fmt.Errorf("pii: key decodes to %d bytes, want %d", len(b), KeySize)
			}
			return b, nil
		}
	}
	return nil, fmt.Errorf("pii: key is neither hex (%d digits) nor base64 of %d bytes", 2*KeySize, KeySize)
}

// LoadKeyFile reads a key file holding the key as hex or base64 text (what
// GenerateKeyFile writes) or as exactly 32 raw bytes.
func LoadKeyFile(path string) (*Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pii: read key file: %w", err)
	}
	defer clear(data)
	if len(data) == KeySize && !isPrintable(data) {
		return NewKey(data)
	}
	k, err := ParseKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("pii: key file %s: %w", path, err)
	}
	return k, nil
}

func isPrintable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7E {
			return false
		}
	}
	return true
}

// LoadKey returns the key from value (the content of ROUNDTABLE_DATA_KEY)
// if it is set, else from the key file at path. It returns ErrNoKey when
// both are empty, so the caller can decide whether to generate one (demo
// mode) or refuse to start.
func LoadKey(value, path string) (*Key, error) {
	if strings.TrimSpace(value) != "" {
		return ParseKey(value)
	}
	if path != "" {
		return LoadKeyFile(path)
	}
	return nil, ErrNoKey
}

// GenerateKeyFile writes a new random key as base64 text to path, readable
// by the owner only (0600), creating missing parent directories (0700). It
// refuses to overwrite an existing file: replacing a key would make every
// stored ciphertext unreadable.
func GenerateKeyFile(path string) (*Key, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("pii: create key directory: %w", err)
	}
	master := make([]byte, KeySize)
	defer clear(master)
	if _, err := rand.Read(master); err != nil {
		return nil, fmt.Errorf("pii: generate key: %w", err)
	}
	key, err := NewKey(master)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("pii: create key file: %w", err)
	}
	text := []byte(base64.StdEncoding.EncodeToString(master) + "\n")
	defer clear(text)
	_, werr := f.Write(text)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		_ = os.Remove(path) // a half-written key file must not be picked up later
		return nil, fmt.Errorf("pii: write key file: %w", err)
	}
	return key, nil
}

// LoadOrGenerateKeyFile loads the key at path, or generates it there if the
// file does not exist; created reports which happened. For demo mode.
func LoadOrGenerateKeyFile(path string) (key *Key, created bool, err error) {
	key, err = LoadKeyFile(path)
	if err == nil {
		return key, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	key, err = GenerateKeyFile(path)
	if err != nil {
		return nil, false, err
	}
	return key, true, nil
}
