package auditlog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// The parallel reader must report exactly what the sequential one does, on
// intact, tampered and damaged input alike, across batch boundaries.
func TestVerifyParallelMatchesSequential(t *testing.T) {
	l := newMemLog(t, 5000) // more lines than one batch holds
	intact := writeExport(t, testVKey, l.events, l.signedAt(t, 1000, 2048, 2049, 4096, 5000))
	held := [][]byte{l.sign(t, 3000), l.sign(t, 6000-1000)}

	forged := cloneEvents(l.events)
	forged[2100].Action = "ballot.void"
	rehashed := writeExport(t, testVKey, rehash(forged), treeOf(t, rehash(forged), testSKey).signedAt(t, 2048, 5000))

	inputs := map[string][]byte{"intact": intact, "rehashed": rehashed, "empty": nil}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 25 {
		cut := rng.IntN(len(intact))
		inputs["cut-"+string(rune('a'+i))] = intact[:cut]
		flipped := bytes.Clone(intact)
		flipped[rng.IntN(len(flipped))] ^= byte(1 + rng.IntN(255))
		inputs["flip-"+string(rune('a'+i))] = flipped
	}
	lines := strings.SplitAfter(string(intact), "\n")
	inputs["blank and crlf"] = []byte(strings.Join(lines[:3000], "") + "\r\n\n   \n" + strings.ReplaceAll(strings.Join(lines[3000:], ""), "\n", "\r\n"))
	inputs["garbage and a second header"] = []byte(strings.Join(lines[:2500], "") + "garbage\n" + lines[0] + strings.Join(lines[2500:], ""))
	inputs["too long"] = []byte(strings.Join(lines[:2047], "") + strings.Repeat("x", maxLineBytes+1) + "\n" + strings.Join(lines[2047:], ""))
	// A line's length counts its newline; around the limit, and longer
	// than a batch, the readers must agree on which lines are too long.
	for _, n := range []int{maxLineBytes - 1, maxLineBytes, 3 << 20} {
		long := strings.Repeat("x", n)
		inputs[fmt.Sprintf("%d bytes", n)] = []byte(strings.Join(lines[:10], "") + long + "\n" + strings.Join(lines[10:], ""))
		inputs[fmt.Sprintf("%d bytes at the end", n)] = []byte(strings.Join(lines[:10], "") + long)
	}

	for name, in := range inputs {
		for _, opts := range []VerifyOptions{{TrustedKey: testVKey}, {TrustedKey: testVKey, TrustedCheckpoints: held}, {}} {
			seq, err1 := Verify(bytes.NewReader(in), withWorkers(opts, 1))
			par, err2 := Verify(bytes.NewReader(in), withWorkers(opts, 4))
			if err1 != nil || err2 != nil {
				t.Fatalf("%s: %v / %v", name, err1, err2)
			}
			if !reflect.DeepEqual(seq, par) {
				t.Errorf("%s: sequential and parallel disagree:\n%+v\n%+v", name, seq, par)
			}
		}
	}
	if rep, _ := Verify(bytes.NewReader(intact), VerifyOptions{TrustedKey: testVKey, Workers: 3}); !rep.OK || rep.Count != 5000 {
		t.Fatalf("intact export with 3 workers: %+v", rep)
	}
}

func withWorkers(o VerifyOptions, n int) VerifyOptions {
	o.Workers = n
	return o
}

type burningReader struct{}

func (burningReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestVerifyParallelReadError(t *testing.T) {
	l := newMemLog(t, 3000)
	export := writeExport(t, testVKey, l.events, l.signedAt(t, 3000))
	in := func() io.Reader { return io.MultiReader(bytes.NewReader(export[:len(export)/2]), burningReader{}) }
	seq, err1 := Verify(in(), VerifyOptions{TrustedKey: testVKey, Workers: 1})
	par, err2 := Verify(in(), VerifyOptions{TrustedKey: testVKey, Workers: 4})
	if err1 == nil || err2 == nil || err1.Error() != err2.Error() || !strings.Contains(err2.Error(), "disk on fire") {
		t.Fatalf("errors: %v / %v", err1, err2)
	}
	if !reflect.DeepEqual(seq, par) {
		t.Fatalf("reports differ:\n%+v\n%+v", seq, par)
	}
}
