package auditlog

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
)

// algEd25519 is the signed-note algorithm byte for Ed25519 keys.
const algEd25519 = 1

// checkKeyName applies the signed-note rules for key names, which are also
// our origins: non-empty UTF-8 without spaces or '+'.
func checkKeyName(name string) error {
	switch {
	case name == "":
		return errors.New("empty name")
	case !utf8.ValidString(name):
		return errors.New("name is not valid UTF-8")
	case strings.IndexFunc(name, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return fmt.Errorf("name %q contains a space or control character", name)
	case strings.Contains(name, "+"):
		return fmt.Errorf("name %q contains '+'", name)
	}
	return nil
}

// GenerateKey makes a new Ed25519 signing key for the log named name (the
// checkpoint origin, e.g. "roundtable.example.org/audit"). skey is secret;
// vkey is published in exports and given to auditors.
func GenerateKey(name string) (skey, vkey string, err error) {
	if err := checkKeyName(name); err != nil {
		return "", "", fmt.Errorf("key name: %w", err)
	}
	skey, vkey, err = note.GenerateKey(rand.Reader, name)
	if err != nil {
		return "", "", fmt.Errorf("generating signing key: %w", err)
	}
	return skey, vkey, nil
}

// SignerFromKey turns a secret key (e.g. from an environment variable;
// surrounding whitespace is ignored) into a signer and its public verifier
// key. Errors never echo the key.
func SignerFromKey(skey string) (note.Signer, string, error) {
	skey = strings.TrimSpace(skey)
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, "", fmt.Errorf("parsing signing key: %w", err)
	}
	// note.NewSigner accepted the key, so the fields are well formed; the
	// public key is derived again because note does not expose it.
	parts := strings.SplitN(skey, "+", 5)
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != algEd25519 {
		return nil, "", errors.New("parsing signing key: not an Ed25519 key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(signer.Name(), pub)
	if err != nil {
		return nil, "", fmt.Errorf("deriving verifier key: %w", err)
	}
	return signer, vkey, nil
}

// LoadOrCreateSigningKey reads the secret key at path, or, if there is no
// file, generates one for name and writes it with mode 0600 (creating parent
// directories with 0700). An existing key for another name is an error
// rather than silently used, since it would sign checkpoints for another log.
func LoadOrCreateSigningKey(path, name string) (signer note.Signer, vkey string, created bool, err error) {
	if err := checkKeyName(name); err != nil {
		return nil, "", false, fmt.Errorf("key name: %w", err)
	}
	// Two attempts: if another process creates the file between our read
	// and our exclusive create, we load what it wrote.
	for attempt := 0; attempt < 2; attempt++ {
		signer, vkey, err = loadSigningKey(path, name)
		if !errors.Is(err, fs.ErrNotExist) {
			return signer, vkey, false, err
		}
		signer, vkey, err = createSigningKey(path, name)
		if !errors.Is(err, fs.ErrExist) {
			return signer, vkey, err == nil, err
		}
	}
	return nil, "", false, fmt.Errorf("signing key %s: created and removed concurrently", path)
}

func loadSigningKey(path, name string) (note.Signer, string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("reading signing key: %w", err)
	}
	signer, vkey, err := SignerFromKey(string(data))
	if err != nil {
		return nil, "", fmt.Errorf("signing key %s: %w", path, err)
	}
	if signer.Name() != name {
		return nil, "", fmt.Errorf("signing key %s is for log %q, not %q", path, signer.Name(), name)
	}
	return signer, vkey, nil
}

func createSigningKey(path, name string) (note.Signer, string, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, "", fmt.Errorf("creating directory for signing key: %w", err)
	}
	skey, vkey, err := GenerateKey(name)
	if err != nil {
		return nil, "", err
	}
	// O_EXCL: never overwrite a key, even one that appeared a moment ago.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, "", fmt.Errorf("creating signing key: %w", err)
	}
	_, werr := f.WriteString(skey + "\n")
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		// A half-written key would fail every later start; remove it so the
		// next start can try again.
		if rerr := os.Remove(path); rerr != nil {
			return nil, "", fmt.Errorf("writing signing key %s: %w (and removing it: %w)", path, werr, rerr)
		}
		return nil, "", fmt.Errorf("writing signing key %s: %w", path, werr)
	}
	signer, _, err := SignerFromKey(skey)
	if err != nil {
		return nil, "", err
	}
	return signer, vkey, nil
}

// KeyFingerprint is a short, stable name for a verifier key, meant for the
// log's first event and for people comparing keys by eye: the first 16 bytes
// of SHA-256 over the key text (surrounding whitespace removed), in hex.
func KeyFingerprint(vkey string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(vkey)))
	return hex.EncodeToString(sum[:16])
}
