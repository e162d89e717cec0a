package pii

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustKey(t testing.TB, seed byte) *Key {
	t.Helper()
	master := make([]byte, KeySize)
	for i := range master {
		master[i] = seed + byte(i)*7
	}
	k, err := NewKey(master)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustSealer(t testing.TB, cur *Key, prev ...*Key) *Sealer {
	t.Helper()
	s, err := NewSealer(cur, prev...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealOpenRoundTrip(t *testing.T) {
	s := mustSealer(t, mustKey(t, 1))
	for _, tc := range []struct {
		name string
		pt   []byte
		ad   []byte
	}{
		{"korean name", []byte("김민준"), FieldAD("report", 42, "name")},
		{"phone", []byte("01012345678"), FieldAD("report", 42, "phone")},
		{"empty plaintext", []byte{}, FieldAD("report", 1, "email")},
		{"nil associated data", []byte("x"), nil},
		{"long description", bytes.Repeat([]byte("카카오톡 장애 "), 500), FieldAD("report", 7, "description")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct, err := s.Seal(tc.pt, tc.ad)
			if err != nil {
				t.Fatal(err)
			}
			if len(ct) != len(tc.pt)+Overhead {
				t.Errorf("len = %d, want %d", len(ct), len(tc.pt)+Overhead)
			}
			if len(tc.pt) > 3 && bytes.Contains(ct, tc.pt) {
				t.Error("ciphertext contains the plaintext")
			}
			got, err := s.Open(ct, tc.ad)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.pt) {
				t.Errorf("got %q, want %q", got, tc.pt)
			}
		})
	}
}

func TestSealUsesFreshNonces(t *testing.T) {
	s := mustSealer(t, mustKey(t, 1))
	ad := FieldAD("report", 1, "phone")
	a, _ := s.Seal([]byte("01012345678"), ad)
	b, _ := s.Seal([]byte("01012345678"), ad)
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same value are identical; equal plaintexts would be visible in the database")
	}
}

func TestOpenRejects(t *testing.T) {
	k1, k2 := mustKey(t, 1), mustKey(t, 2)
	s1 := mustSealer(t, k1)
	ad := FieldAD("report", 42, "phone")
	ct, err := s1.Seal([]byte("01012345678"), ad)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		c := bytes.Clone(ct)
		c[i] ^= 0x01
		return c
	}
	// A wrong key with the same id must fail authentication, not decrypt.
	sameID := mustSealer(t, &Key{id: k1.id, encKey: k2.encKey, macKey: k2.macKey})
	for _, tc := range []struct {
		name string
		s    *Sealer
		ct   []byte
		ad   []byte
		want error
	}{
		{"tampered body", s1, flip(len(ct) - 20), ad, ErrDecrypt},
		{"tampered tag", s1, flip(len(ct) - 1), ad, ErrDecrypt},
		{"tampered nonce", s1, flip(2), ad, ErrDecrypt},
		{"other row", s1, ct, FieldAD("report", 43, "phone"), ErrDecrypt},
		{"other field", s1, ct, FieldAD("report", 42, "email"), ErrDecrypt},
		{"no associated data", s1, ct, nil, ErrDecrypt},
		{"wrong key, same id", sameID, ct, ad, ErrDecrypt},
		{"unknown key id", mustSealer(t, k2), ct, ad, ErrUnknownKey},
		{"truncated", s1, ct[:Overhead-1], ad, ErrMalformed},
		{"empty", s1, nil, ad, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if k1.id == k2.id && errors.Is(tc.want, ErrUnknownKey) {
				t.Skip("test keys happen to share an id")
			}
			pt, err := tc.s.Open(tc.ct, tc.ad)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if pt != nil {
				t.Fatalf("returned plaintext %q alongside error", pt)
			}
		})
	}
}

func TestAssociatedDataIsUnambiguous(t *testing.T) {
	if bytes.Equal(AssociatedData("1", "2x"), AssociatedData("12", "x")) {
		t.Fatal("different parts encode to the same bytes")
	}
	if bytes.Equal(FieldAD("report", 1, "phone"), FieldAD("report", 1, "email")) {
		t.Fatal("field name not part of the associated data")
	}
}

func TestRotation(t *testing.T) {
	oldK, newK := mustKey(t, 1), mustKey(t, 3)
	if oldK.ID() == newK.ID() {
		t.Skip("test keys happen to share an id")
	}
	ad := FieldAD("report", 5, "name")
	ct, _ := mustSealer(t, oldK).Seal([]byte("이서연"), ad)
	s := mustSealer(t, newK, oldK)
	if !s.NeedsRewrap(ct) {
		t.Fatal("old ciphertext not flagged for rewrap")
	}
	pt, err := s.Open(ct, ad)
	if err != nil || string(pt) != "이서연" {
		t.Fatalf("open old ciphertext: %q, %v", pt, err)
	}
	re, err := s.Rewrap(ct, ad)
	if err != nil {
		t.Fatal(err)
	}
	if re[0] != newK.ID() || s.NeedsRewrap(re) {
		t.Fatalf("rewrapped value carries key id %#x, want %#x", re[0], newK.ID())
	}
	if got, err := mustSealer(t, newK).OpenString(re, ad); err != nil || got != "이서연" {
		t.Fatalf("new key alone cannot open rewrapped value: %q, %v", got, err)
	}
}

func TestNewSealerRejectsIDCollision(t *testing.T) {
	a := mustKey(t, 1)
	// Find a different key with the same derived id.
	for seed := byte(2); seed < 255; seed++ {
		b := mustKey(t, seed)
		if b.ID() == a.ID() && !b.Equal(a) {
			if _, err := NewSealer(a, b); err == nil {
				t.Fatal("colliding key ids accepted")
			}
			return
		}
	}
	t.Skip("no colliding id among test keys")
}

func TestNewSealerAcceptsSameKeyTwice(t *testing.T) {
	if _, err := NewSealer(mustKey(t, 1), mustKey(t, 1)); err != nil {
		t.Fatalf("same key as current and previous: %v", err)
	}
	if _, err := NewSealer(nil); err == nil {
		t.Fatal("nil current key accepted")
	}
}

func TestReporterKey(t *testing.T) {
	k := mustKey(t, 1)
	phone := k.ReporterKey("01012345678", "")
	for _, tc := range []struct {
		name      string
		phone     string
		biz       string
		wantEqual string // "" means: must differ from phone-only key
		wantEmpty bool
	}{
		{"deterministic", "01012345678", "", phone, false},
		{"separators ignored", "010-1234-5678", "", phone, false},
		{"business number wins over phone", "01012345678", "1208147521", "", false},
		{"nothing to identify", "", "", "", true},
		{"separators only", "--", " ", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := k.ReporterKey(tc.phone, tc.biz)
			switch {
			case tc.wantEmpty:
				if got != "" {
					t.Fatalf("got %q, want empty", got)
				}
			case tc.wantEqual != "":
				if got != tc.wantEqual {
					t.Fatalf("got %s, want %s", got, tc.wantEqual)
				}
			default:
				if got == phone || got == "" {
					t.Fatalf("got %q, want a different non-empty key", got)
				}
			}
			if got != "" {
				if _, err := hex.DecodeString(got); err != nil || len(got) != 64 {
					t.Fatalf("not 64 hex digits: %q", got)
				}
			}
		})
	}
	// The business number alone decides, whatever the phone.
	if k.ReporterKey("01011112222", "1208147521") != k.ReporterKey("", "120-81-47521") {
		t.Error("business number key depends on the phone")
	}
	// Same digits as phone and as business number must not collide.
	if k.ReporterKey("1208147521", "") == k.ReporterKey("", "1208147521") {
		t.Error("phone and business number with equal digits collide")
	}
	if k.ReporterKey("01012345678", "") == mustKey(t, 2).ReporterKey("01012345678", "") {
		t.Error("different keys give the same reporter key")
	}
	if strings.Contains(phone, "12345678") {
		t.Error("reporter key reveals the number")
	}
}

func TestSealerReporterKeyUsesCurrentKey(t *testing.T) {
	cur, old := mustKey(t, 1), mustKey(t, 3)
	if cur.ID() == old.ID() {
		t.Skip("test keys happen to share an id")
	}
	s := mustSealer(t, cur, old)
	if s.ReporterKey("01012345678", "") != cur.ReporterKey("01012345678", "") {
		t.Fatal("sealer does not hash with its current key")
	}
}

func TestParseKey(t *testing.T) {
	raw := make([]byte, KeySize)
	for i := range raw {
		raw[i] = byte(i*37 + 11)
	}
	want, err := NewKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		value string
		ok    bool
	}{
		{"hex", hex.EncodeToString(raw), true},
		{"hex upper with newline", strings.ToUpper(hex.EncodeToString(raw)) + "\n", true},
		{"base64 std", base64.StdEncoding.EncodeToString(raw), true},
		{"base64 raw url", base64.RawURLEncoding.EncodeToString(raw), true},
		{"empty", "  ", false},
		{"too short", base64.StdEncoding.EncodeToString(raw[:16]), false},
		{"too long hex", hex.EncodeToString(append(raw, 1)), false},
		{"not encoded", "correct horse battery staple", false},
		{"all zero", hex.EncodeToString(make([]byte, KeySize)), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := ParseKey(tc.value)
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				if !k.Equal(want) || k.ID() != want.ID() {
					t.Fatal("parsed key differs from the raw key")
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted %q", tc.value)
			}
		})
	}
	if _, err := ParseKey(""); !errors.Is(err, ErrNoKey) {
		t.Errorf("empty value: %v, want ErrNoKey", err)
	}
	if _, err := NewKey(raw[:31]); err == nil {
		t.Error("31-byte key accepted")
	}
}

func TestKeyDoesNotPrintMaterial(t *testing.T) {
	raw := make([]byte, KeySize)
	for i := range raw {
		raw[i] = byte(200 - i)
	}
	k, _ := NewKey(raw)
	for _, s := range []string{k.String(), k.GoString()} {
		if strings.Contains(s, hex.EncodeToString(k.encKey[:4])) || strings.Contains(s, hex.EncodeToString(raw[:4])) {
			t.Fatalf("key material printed: %s", s)
		}
	}
}

func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nested", "keys", "data.key")
	k, err := GenerateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode %v, want 0600", perm)
	}
	di, _ := os.Stat(filepath.Dir(path))
	if perm := di.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("key directory mode %v is open to others", perm)
	}
	loaded, err := LoadKeyFile(path)
	if err != nil || !loaded.Equal(k) {
		t.Fatalf("reload: %v, equal=%v", err, err == nil && loaded.Equal(k))
	}
	if _, err := GenerateKeyFile(path); !errors.Is(err, os.ErrExist) {
		t.Fatalf("overwrote an existing key file: %v", err)
	}
	again, created, err := LoadOrGenerateKeyFile(path)
	if err != nil || created || !again.Equal(k) {
		t.Fatalf("load existing: created=%v err=%v", created, err)
	}
	fresh, created, err := LoadOrGenerateKeyFile(filepath.Join(dir, "other.key"))
	if err != nil || !created || fresh.Equal(k) {
		t.Fatalf("generate missing: created=%v err=%v", created, err)
	}

	rawPath := filepath.Join(dir, "raw.key")
	raw := make([]byte, KeySize)
	for i := range raw {
		raw[i] = byte(0x80 + i)
	}
	if err := os.WriteFile(rawPath, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKeyFile(rawPath); err != nil {
		t.Errorf("raw 32-byte key file: %v", err)
	}
	badPath := filepath.Join(dir, "bad.key")
	if err := os.WriteFile(badPath, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKeyFile(badPath); err == nil {
		t.Error("garbage key file accepted")
	}
	if _, err := LoadKeyFile(filepath.Join(dir, "missing.key")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing key file: %v", err)
	}
}

func TestLoadKeyPrecedence(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "k")
	fileKey, err := GenerateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	envValue := hex.EncodeToString(bytes.Repeat([]byte{1, 2}, KeySize/2))
	envKey, _ := ParseKey(envValue)
	for _, tc := range []struct {
		name, value, path string
		want              *Key
		wantErr           error
	}{
		{"value wins", envValue, path, envKey, nil},
		{"file when no value", "", path, fileKey, nil},
		{"neither", "", "", nil, ErrNoKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := LoadKey(tc.value, tc.path)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || !k.Equal(tc.want) {
				t.Fatalf("got wrong key (err %v)", err)
			}
		})
	}
}

func BenchmarkSeal(b *testing.B) {
	s := mustSealer(b, mustKey(b, 1))
	ad := FieldAD("report", 123456, "description")
	pt := []byte("카카오톡 채널 주문이 12시간 동안 들어오지 않았습니다.")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Seal(pt, ad); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReporterKey(b *testing.B) {
	k := mustKey(b, 1)
	b.ReportAllocs()
	for b.Loop() {
		_ = k.ReporterKey("01012345678", "")
	}
}
