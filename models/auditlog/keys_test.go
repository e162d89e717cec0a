package auditlog

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestGenerateKeyAndSignerFromKey(t *testing.T) {
	skey, vkey, err := GenerateKey("roundtable.example.org/audit")
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{skey, "  " + skey + "\n"} {
		signer, derived, err := SignerFromKey(in)
		if err != nil {
			t.Fatalf("SignerFromKey: %v", err)
		}
		if derived != vkey || signer.Name() != "roundtable.example.org/audit" {
			t.Fatalf("derived %q, name %q; want %q", derived, signer.Name(), vkey)
		}
		msg, err := SignCheckpoint(Checkpoint{Origin: signer.Name(), Size: 1, Root: EmptyTreeRoot()}, signer)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := OpenCheckpoint(msg, vkey); err != nil {
			t.Fatalf("a key's own signature does not verify: %v", err)
		}
	}
	if _, vkey2, _ := GenerateKey("roundtable.example.org/audit"); vkey2 == vkey {
		t.Fatal("two generated keys are equal")
	}
}

func TestGenerateKeyRejectsBadNames(t *testing.T) {
	for _, name := range []string{"", "has space", "a+b", "tab\there", "new\nline", "bad\xffutf8"} {
		if _, _, err := GenerateKey(name); err == nil {
			t.Errorf("GenerateKey(%q) accepted", name)
		}
	}
}

func TestSignerFromKeyErrorsDoNotLeak(t *testing.T) {
	secretish := "PRIVATE+KEY+roundtable.test/audit+311c9d2d+AbVLjuEc1PraShPhajAouf/mChLJvJ5O5Bx3XKcIZOeX"
	for _, in := range []string{"", "nonsense", testVKey, secretish} {
		_, _, err := SignerFromKey(in)
		if err == nil {
			t.Errorf("SignerFromKey(%q) accepted", in)
			continue
		}
		if strings.Contains(err.Error(), "AbVLjuEc") {
			t.Errorf("error reveals key material: %v", err)
		}
	}
}

func TestLoadOrCreateSigningKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nested", "keys", "audit.key")
	s1, v1, created, err := LoadOrCreateSigningKey(path, testOrigin)
	if err != nil || !created {
		t.Fatalf("first call: created=%v err=%v", created, err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", info.Mode().Perm())
	}
	if dinfo, err := os.Stat(filepath.Dir(path)); err != nil || dinfo.Mode().Perm()&0o077 != 0 {
		t.Errorf("key directory mode %v (%v), want no group/other access", dinfo.Mode().Perm(), err)
	}
	s2, v2, created, err := LoadOrCreateSigningKey(path, testOrigin)
	if err != nil || created || v2 != v1 || s2.KeyHash() != s1.KeyHash() {
		t.Fatalf("second call: created=%v err=%v same key=%v", created, err, v2 == v1)
	}
	if _, _, _, err := LoadOrCreateSigningKey(path, "other.test/log"); err == nil {
		t.Error("a key for another log was accepted")
	}
	if _, _, _, err := LoadOrCreateSigningKey(filepath.Join(dir, "x.key"), "bad name"); err == nil {
		t.Error("a bad name was accepted")
	}
	garbage := filepath.Join(dir, "garbage.key")
	if err := os.WriteFile(garbage, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := LoadOrCreateSigningKey(garbage, testOrigin); err == nil {
		t.Error("a garbage key file was accepted (it must not be replaced silently)")
	}
	if data, _ := os.ReadFile(garbage); string(data) != "not a key" {
		t.Error("a garbage key file was overwritten")
	}
}

func TestKeyFingerprint(t *testing.T) {
	fp := KeyFingerprint(testVKey)
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(fp) {
		t.Fatalf("fingerprint %q is not 32 lowercase hex digits", fp)
	}
	if KeyFingerprint(" "+testVKey+"\n") != fp {
		t.Error("fingerprint depends on surrounding whitespace")
	}
	if KeyFingerprint(otherVKey) == fp {
		t.Error("two keys share a fingerprint")
	}
	// Pinned (computed with sha256sum), so that the fingerprint recorded in
	// the log's first event keeps meaning the same key.
	if want := "276e2a8b75ce1c5c0b60c45325ecdf44"; fp != want {
		t.Fatalf("fingerprint %s, want %s", fp, want)
	}
}
