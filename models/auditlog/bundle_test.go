package auditlog

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func inclusionBundle(t *testing.T, l *memLog, seq, size int64) []byte {
	t.Helper()
	p, err := ProveInclusion(seq, size, l)
	if err != nil {
		t.Fatal(err)
	}
	line, err := MarshalEvent(l.events[seq-1])
	if err != nil {
		t.Fatal(err)
	}
	note := l.sign(t, size)
	b, err := json.Marshal(InclusionBundle{Kind: BundleInclusion, Proof: p, Event: line,
		Checkpoint: CheckpointJSON{Size: size, Root: rootOfNote(t, note), Note: string(note)}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func consistencyBundle(t *testing.T, l *memLog, from, to int64) []byte {
	t.Helper()
	p, err := ProveConsistency(from, to, l)
	if err != nil {
		t.Fatal(err)
	}
	o, n := l.sign(t, from), l.sign(t, to)
	b, err := json.Marshal(ConsistencyBundle{Kind: BundleConsistency, Proof: p,
		Old: CheckpointJSON{Size: from, Root: rootOfNote(t, o), Note: string(o)},
		New: CheckpointJSON{Size: to, Root: rootOfNote(t, n), Note: string(n)}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCheckBundle(t *testing.T) {
	l := newMemLog(t, 40)
	incl := inclusionBundle(t, l, 15, 30)
	cons := consistencyBundle(t, l, 10, 30)

	// A history rewritten at seq 15 and re-signed with the real key.
	forged := cloneEvents(l.events)
	forged[14].Action = "ballot.void"
	forged = rehash(forged)
	fake := treeOf(t, forged, testSKey)
	forgedIncl := inclusionBundle(t, fake, 15, 30)

	cases := []struct {
		name     string
		bundle   []byte
		keys     []string
		held     [][]byte
		mentions string // "" = must hold
	}{
		{"inclusion holds", incl, []string{testVKey}, nil, ""},
		{"inclusion against a kept checkpoint", incl, []string{testVKey}, [][]byte{l.sign(t, 30)}, ""},
		{"consistency holds", cons, []string{testVKey}, nil, ""},
		{"consistency after a key change (two keys)", cons, []string{otherVKey, testVKey}, nil, ""},
		{"inclusion with another key", incl, []string{otherVKey}, nil, "not signed by"},
		{"no key", incl, nil, nil, "trusted verifier key is needed"},
		{"event altered in the bundle", mustReplace(t, string(incl), `"action":"comment.create"`, `"action":"comment.delete"`), []string{testVKey}, nil, "does not verify"},
		{"event of another seq", mustReplace(t, string(incl), `{"kind":"event","seq":15`, `{"kind":"event","seq":16`), []string{testVKey}, nil, "the proof is for seq 15"},
		{"rewritten and re-signed, caught by the kept checkpoint", forgedIncl, []string{testVKey}, [][]byte{l.sign(t, 30)}, "differs from the one you kept"},
		{"consistency with a forged new root", consistencyWithNew(t, cons, fake.sign(t, 30)), []string{testVKey}, nil, "does not verify"},
		{"not JSON", []byte("checkpoint?"), []string{testVKey}, nil, "not a proof"},
		{"unknown kind", []byte(`{"kind":"exclusion"}`), []string{testVKey}, nil, "unknown proof kind"},
		{"truncated file", incl[:len(incl)/2], []string{testVKey}, nil, "not a proof"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CheckBundle(tc.bundle, tc.keys, tc.held)
			if tc.mentions == "" {
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.mentions) {
				t.Fatalf("want an error mentioning %q, got %v", tc.mentions, err)
			}
		})
	}
	// The forged bundle is self-consistent: without the kept checkpoint
	// it holds. That is why auditors keep checkpoints.
	if _, err := CheckBundle(forgedIncl, []string{testVKey}, nil); err != nil {
		t.Fatalf("a forgery signed with the real key is only caught with a kept checkpoint, got %v", err)
	}
	if _, err := CheckBundle(forgedIncl, []string{testVKey}, [][]byte{l.sign(t, 30)}); !errors.Is(err, ErrProof) {
		t.Fatalf("want ErrProof, got %v", err)
	}
}

func consistencyWithNew(t *testing.T, bundle, note []byte) []byte {
	var x ConsistencyBundle
	if err := json.Unmarshal(bundle, &x); err != nil {
		t.Fatal(err)
	}
	x.New.Note = string(note)
	x.Proof.NewRoot = ""
	b, _ := json.Marshal(x)
	return b
}

func TestMarshalParseEventRoundTrip(t *testing.T) {
	l := newMemLog(t, 3)
	for _, ev := range l.events {
		line, err := MarshalEvent(ev)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := ParseEvent(line)
		if err != nil {
			t.Fatal(err)
		}
		if string(rec.Canonical()) != string(ev.Canonical()) {
			t.Fatalf("round trip changed the canonical bytes:\n%s\n%s", rec.Canonical(), ev.Canonical())
		}
	}
}

func mustReplace(t *testing.T, s, old, new string) []byte {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("%q not in %s", old, s)
	}
	return []byte(strings.Replace(s, old, new, 1))
}
