package auditlog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// rotatedLog is a log whose first event registers testVKey and whose event
// 20 switches to otherVKey, like a server restarted with a new key.
func rotatedLog(t *testing.T, n int) *memLog {
	t.Helper()
	l := &memLog{signer: mustSigner(t, testSKey)}
	for i := 1; i <= n; i++ {
		rec := sampleRecord(int64(i))
		switch i {
		case 1:
			rec.Action, rec.Data = ActionKeyInit, registration(testVKey)
		case 20:
			rec.Action, rec.Data = ActionKeyChanged, registration(otherVKey)
		}
		l.append(t, rec)
	}
	return l
}

func registration(vkey string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"key_fingerprint":%q,"origin":%q,"public_key":%q}`, KeyFingerprint(vkey), testOrigin, vkey))
}

// signedUnder signs the roots at sizes with the key in force there.
func signedUnder(t *testing.T, l *memLog, sizes ...int64) map[int64][][]byte {
	m := map[int64][][]byte{}
	for _, s := range sizes {
		skey := testSKey
		if s >= 20 {
			skey = otherSKey
		}
		m[s] = append(m[s], signWith(t, skey, s, l.root(t, s)))
	}
	return m
}

func TestVerifyAcrossKeyRotation(t *testing.T) {
	l := rotatedLog(t, 30)
	cps := signedUnder(t, l, 1, 10, 20, 30)
	export := writeExport(t, otherVKey, l.events, cps)
	heldOld := signWith(t, testSKey, 10, l.root(t, 10))

	rep, err := Verify(bytes.NewReader(export), VerifyOptions{TrustedKey: otherVKey, TrustedCheckpoints: [][]byte{heldOld}})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK || rep.SignedSize != 30 || rep.Count != 30 {
		t.Fatalf("a history signed under two keys in turn: %+v", rep)
	}
	// The server's path reaches the same verdict from rows and stored notes.
	var v Verifier
	var notes [][]byte
	for _, s := range []int64{1, 10, 20, 30} {
		notes = append(notes, cps[s]...)
	}
	v.CheckNotes(otherVKey, notes...)
	for _, ev := range l.events {
		v.Add(ev.Record, ev.PrevHash, ev.Hash)
	}
	if rows := v.Report(); !rows.OK || rows.SignedSize != 30 {
		t.Fatalf("Verifier over rows: %+v", rows)
	}
	// A checkpoint signed by the old key after the switch is refused.
	late := writeExport(t, otherVKey, l.events, map[int64][][]byte{30: {signWith(t, testSKey, 30, l.root(t, 30))}, 20: cps[20]})
	if rep, _ := Verify(bytes.NewReader(late), VerifyOptions{TrustedKey: otherVKey}); rep.OK {
		t.Fatalf("old key accepted after the switch: %+v", rep)
	}
}

func TestVerifyKeyRegistrationRules(t *testing.T) {
	cases := []struct {
		name     string
		build    func(t *testing.T) ([]byte, VerifyOptions)
		mentions string
	}{
		{
			// Someone rewrote the whole history under a key of their own
			// and appended a registration of the real key at the end.
			name: "real key registered last but never signed",
			build: func(t *testing.T) ([]byte, VerifyOptions) {
				l := &memLog{signer: mustSigner(t, otherSKey)}
				for i := 1; i <= 12; i++ {
					rec := sampleRecord(int64(i))
					switch i {
					case 1:
						rec.Action, rec.Data = ActionKeyInit, registration(otherVKey)
					case 12:
						rec.Action, rec.Data = ActionKeyChanged, registration(testVKey)
					}
					l.append(t, rec)
				}
				cps := map[int64][][]byte{1: {signWith(t, otherSKey, 1, l.root(t, 1))}, 11: {signWith(t, otherSKey, 11, l.root(t, 11))}}
				return writeExport(t, testVKey, l.events, cps), VerifyOptions{TrustedKey: testVKey}
			},
			mentions: "covers that registration",
		},
		{
			name: "the trusted key is not the last one registered",
			build: func(t *testing.T) ([]byte, VerifyOptions) {
				l := rotatedLog(t, 25)
				return writeExport(t, testVKey, l.events, signedUnder(t, l, 10, 20)), VerifyOptions{TrustedKey: testVKey}
			},
			mentions: "is not the key checkpoints are checked with",
		},
		{
			name: "a registration that names no key",
			build: func(t *testing.T) ([]byte, VerifyOptions) {
				l := &memLog{signer: mustSigner(t, testSKey)}
				rec := sampleRecord(1)
				rec.Action, rec.Data = ActionKeyInit, json.RawMessage(`{"public_key":"nonsense"}`)
				l.append(t, rec)
				return writeExport(t, testVKey, l.events, nil), VerifyOptions{TrustedKey: testVKey}
			},
			mentions: "does not register a valid verifier key",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			export, opts := tc.build(t)
			rep, err := Verify(bytes.NewReader(export), opts)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK || !slices.ContainsFunc(rep.Problems, func(p string) bool { return strings.Contains(p, tc.mentions) }) {
				t.Fatalf("want a problem mentioning %q, got %+v", tc.mentions, rep)
			}
		})
	}
}

// A held note that no key signed is reported as such, not as truncation.
func TestHeldNoteFromNoKnownKeyBeyondTheLog(t *testing.T) {
	l := newMemLog(t, 5)
	export := writeExport(t, testVKey, l.events, l.signedAt(t, 5))
	bogus := signWith(t, otherSKey, 9, l.root(t, 5))
	rep, err := Verify(bytes.NewReader(export), VerifyOptions{TrustedKey: testVKey, TrustedCheckpoints: [][]byte{bogus}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK || rep.FirstBadSeq != 0 || !strings.Contains(strings.Join(rep.Problems, "\n"), "not signed by any key") {
		t.Fatalf("report %+v", rep)
	}
}
