package auditlog

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

func TestCheckpointRoundTrip(t *testing.T) {
	signer := mustSigner(t, testSKey)
	for _, size := range []int64{0, 1, 40, 1 << 40} {
		cp := Checkpoint{Origin: testOrigin, Size: size, Root: sha256.Sum256([]byte{byte(size)})}
		msg, err := SignCheckpoint(cp, signer)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(msg, []byte(cp.Text()+"\n— "+testOrigin+" ")) {
			t.Fatalf("not a C2SP signed note:\n%s", msg)
		}
		got, err := OpenCheckpoint(msg, testVKey)
		if err != nil || got != cp {
			t.Fatalf("OpenCheckpoint = %+v, %v; want %+v", got, err, cp)
		}
	}
	want := "roundtable.test/audit\n7\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
	if got := (Checkpoint{Origin: testOrigin, Size: 7, Root: EmptyTreeRoot()}).Text(); got != want {
		t.Fatalf("Text = %q, want %q", got, want)
	}
}

func TestOpenCheckpointRejects(t *testing.T) {
	signer := mustSigner(t, testSKey)
	good, err := SignCheckpoint(Checkpoint{Origin: testOrigin, Size: 3, Root: EmptyTreeRoot()}, signer)
	if err != nil {
		t.Fatal(err)
	}
	signRaw := func(text string, s note.Signer) []byte {
		msg, err := note.Sign(&note.Note{Text: text}, s)
		if err != nil {
			t.Fatal(err)
		}
		return msg
	}
	other := mustSigner(t, otherSKey)
	_, elsewhereV, err := GenerateKey("elsewhere.test/log")
	if err != nil {
		t.Fatal(err)
	}
	root := "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
	cases := []struct {
		name string
		msg  []byte
		key  string
		want error // nil: any error will do (bad key)
	}{
		{"another key of the same name", signRaw("roundtable.test/audit\n3\n"+root+"\n", other), testVKey, ErrCheckpointSignature},
		{"key for another log", good, elsewhereV, ErrCheckpointSignature},
		{"bad signature", flipSignatureBit(good), testVKey, ErrCheckpointSignature},
		{"body changed after signing", bytes.Replace(good, []byte("\n3\n"), []byte("\n4\n"), 1), testVKey, ErrCheckpointSignature},
		{"wrong origin", signRaw("other.test/log\n3\n"+root+"\n", signer), testVKey, ErrCheckpointOrigin},
		{"extension line", signRaw("roundtable.test/audit\n3\n"+root+"\nextra\n", signer), testVKey, ErrCheckpointMalformed},
		{"two lines", signRaw("roundtable.test/audit\n3\n", signer), testVKey, ErrCheckpointMalformed},
		{"leading zero", signRaw("roundtable.test/audit\n03\n"+root+"\n", signer), testVKey, ErrCheckpointMalformed},
		{"negative size", signRaw("roundtable.test/audit\n-3\n"+root+"\n", signer), testVKey, ErrCheckpointMalformed},
		{"size not a number", signRaw("roundtable.test/audit\nthree\n"+root+"\n", signer), testVKey, ErrCheckpointMalformed},
		{"root not base64", signRaw("roundtable.test/audit\n3\nnot-base64\n", signer), testVKey, ErrCheckpointMalformed},
		{"root too short", signRaw("roundtable.test/audit\n3\nAAAA\n", signer), testVKey, ErrCheckpointMalformed},
		{"root hex", signRaw("roundtable.test/audit\n3\n"+HashHex(EmptyTreeRoot())+"\n", signer), testVKey, ErrCheckpointMalformed},
		{"not a note", []byte("roundtable.test/audit\n3\n" + root + "\n"), testVKey, ErrCheckpointMalformed},
		{"empty", nil, testVKey, ErrCheckpointMalformed},
		{"invalid verifier key", good, "nonsense", nil},
		{"secret key as verifier key", good, testSKey, nil},
	}
	for _, tc := range cases {
		_, err := OpenCheckpoint(tc.msg, tc.key)
		switch {
		case err == nil:
			t.Errorf("%s: accepted", tc.name)
		case tc.want != nil && !errors.Is(err, tc.want):
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
		}
	}
}

func flipSignatureBit(msg []byte) []byte {
	out := bytes.Clone(msg)
	// The last base64 character before the final newline encodes signature
	// bits; change it to another valid character.
	i := len(out) - 3
	if out[i] == 'A' {
		out[i] = 'B'
	} else {
		out[i] = 'A'
	}
	return out
}

func TestOpenCheckpointAcceptsCosignatures(t *testing.T) {
	cp := Checkpoint{Origin: testOrigin, Size: 9, Root: EmptyTreeRoot()}
	msg, err := note.Sign(&note.Note{Text: cp.Text()}, mustSigner(t, otherSKey), mustSigner(t, testSKey))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := OpenCheckpoint(msg, testVKey); err != nil || got != cp {
		t.Fatalf("OpenCheckpoint = %+v, %v", got, err)
	}
}

func TestSignCheckpointRefuses(t *testing.T) {
	signer := mustSigner(t, testSKey)
	for name, cp := range map[string]Checkpoint{
		"origin differs from key name": {Origin: "other.test/log", Size: 1},
		"negative size":                {Origin: testOrigin, Size: -1},
	} {
		if _, err := SignCheckpoint(cp, signer); err == nil {
			t.Errorf("%s: signed", name)
		}
	}
}

func TestParseCheckpointText(t *testing.T) {
	cp := Checkpoint{Origin: testOrigin, Size: 12, Root: sha256.Sum256([]byte("r"))}
	got, err := ParseCheckpointText(cp.Text())
	if err != nil || got != cp {
		t.Fatalf("ParseCheckpointText(Text()) = %+v, %v", got, err)
	}
	for _, bad := range []string{
		"", "\n12\n" + strings.Split(cp.Text(), "\n")[2] + "\n",
		"has space\n12\n" + strings.Split(cp.Text(), "\n")[2] + "\n",
		strings.TrimSuffix(cp.Text(), "\n"),
		cp.Text() + "\n",
		strings.Replace(cp.Text(), "=\n", "\n", 1), // unpadded base64
	} {
		if _, err := ParseCheckpointText(bad); !errors.Is(err, ErrCheckpointMalformed) {
			t.Errorf("ParseCheckpointText(%q) = %v", bad, err)
		}
	}
}
