package auditlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Proof bundles are what the server hands an auditor for one question ("is
// event N in the log?", "did the log only grow between these two
// checkpoints?"): the proof, what it is about, and the signed checkpoints
// it is checked against, in one JSON document that `roundtable audit
// check-proof` checks offline. Nothing in a bundle is trusted: the leaf is
// recomputed from the event, every note's signature is checked with keys
// the auditor brings, and checkpoints the auditor kept take precedence
// over the bundle's own.
const (
	BundleInclusion   = "inclusion"
	BundleConsistency = "consistency"
)

// CheckpointJSON is a stored checkpoint as the API shows it: size, root
// (hex) and the signed note verbatim. Only the note is authoritative.
type CheckpointJSON struct {
	Size int64  `json:"size"`
	Root string `json:"root"`
	Note string `json:"note"`
}

// InclusionBundle proves that Event is in the log Checkpoint signed.
type InclusionBundle struct {
	Kind       string          `json:"kind"`
	Proof      InclusionProof  `json:"proof"`
	Event      json.RawMessage `json:"event"` // one export event line (MarshalEvent)
	Checkpoint CheckpointJSON  `json:"checkpoint"`
}

// ConsistencyBundle proves that the log of New extends the log of Old.
type ConsistencyBundle struct {
	Kind  string           `json:"kind"`
	Proof ConsistencyProof `json:"proof"`
	Old   CheckpointJSON   `json:"old_checkpoint"`
	New   CheckpointJSON   `json:"new_checkpoint"`
}

// ProofCheck says what a bundle proved.
type ProofCheck struct {
	Kind     string
	Event    Record // inclusion: the event proven
	TreeSize int64  // inclusion: the size of the log it is in
	OldSize  int64  // consistency
	NewSize  int64  // consistency
	// Held lists the sizes at which a checkpoint the auditor kept was used
	// instead of the bundle's own.
	Held []int64
	// Fingerprints of the keys that signed the checkpoints used.
	Fingerprints []string
}

// ParseEvent reads one export event line, as MarshalEvent writes it, with
// the same strict reader as an export.
func ParseEvent(line []byte) (Record, error) {
	var ev eventFields
	var in interner
	if err := parseLine(bytes.TrimSpace(line), &ev, &in); err != nil {
		return Record{}, fmt.Errorf("event: %w", err)
	}
	if ev.kind != kindEvent {
		return Record{}, fmt.Errorf("event: kind %q, want %q", ev.kind, kindEvent)
	}
	rec := ev.rec
	rec.Data = append(json.RawMessage(nil), rec.Data...) // dataBuf is reused
	if err := rec.Validate(); err != nil {
		return Record{}, fmt.Errorf("event: %w", err)
	}
	return rec, nil
}

// CheckBundle checks a proof bundle offline. keys are the verifier keys the
// auditor trusts (more than one after the server's key changed); held are
// signed checkpoints the auditor kept earlier. A nil error means the proof
// holds against checkpoints signed by one of keys.
func CheckBundle(b []byte, keys []string, held [][]byte) (ProofCheck, error) {
	var kind struct {
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal(b, &kind); err != nil {
		return ProofCheck{}, fmt.Errorf("the file is not a proof (JSON): %w", err)
	}
	var trusted []string
	for _, k := range keys {
		if k = strings.TrimSpace(k); k != "" {
			trusted = append(trusted, k)
		}
	}
	if len(trusted) == 0 {
		return ProofCheck{}, errors.New("a trusted verifier key is needed to check a proof")
	}
	hs, err := openHeld(held, trusted)
	if err != nil {
		return ProofCheck{}, err
	}
	switch kind.Kind {
	case BundleInclusion:
		var x InclusionBundle
		if err := strictJSON(b, &x); err != nil {
			return ProofCheck{}, fmt.Errorf("inclusion proof: %w", err)
		}
		return checkInclusionBundle(&x, trusted, hs)
	case BundleConsistency:
		var x ConsistencyBundle
		if err := strictJSON(b, &x); err != nil {
			return ProofCheck{}, fmt.Errorf("consistency proof: %w", err)
		}
		return checkConsistencyBundle(&x, trusted, hs)
	}
	return ProofCheck{}, fmt.Errorf("unknown proof kind %q (want %q or %q)", kind.Kind, BundleInclusion, BundleConsistency)
}

func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("more than one JSON value")
	}
	return nil
}

type heldCheckpoint struct {
	cp  Checkpoint
	key string
}

func openHeld(held [][]byte, keys []string) (map[int64]heldCheckpoint, error) {
	out := map[int64]heldCheckpoint{}
	for i, msg := range held {
		cp, key, err := openWithAny(msg, keys)
		if err != nil {
			return nil, fmt.Errorf("your checkpoint #%d: %w", i+1, err)
		}
		if prev, ok := out[cp.Size]; ok && prev.cp.Root != cp.Root {
			return nil, fmt.Errorf("%w: two of your checkpoints have size %d but different roots: the signing key was used to rewrite history", ErrProof, cp.Size)
		}
		out[cp.Size] = heldCheckpoint{cp: cp, key: key}
	}
	return out, nil
}

func openWithAny(msg []byte, keys []string) (Checkpoint, string, error) {
	var firstErr error
	for _, k := range keys {
		cp, err := OpenCheckpoint(msg, k)
		if err == nil {
			return cp, k, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return Checkpoint{}, "", firstErr
}

// trustedAt chooses the checkpoint a proof is checked against: the one the
// auditor kept at that size if any (which the bundle's must then equal),
// else the bundle's own, if a trusted key signed it.
func trustedAt(c CheckpointJSON, size int64, keys []string, held map[int64]heldCheckpoint, res *ProofCheck) (Checkpoint, error) {
	if c.Size != size {
		return Checkpoint{}, fmt.Errorf("%w: the checkpoint is for size %d, the proof for size %d", ErrProof, c.Size, size)
	}
	own, key, ownErr := openWithAny([]byte(c.Note), keys)
	if ownErr == nil && own.Size != size {
		return Checkpoint{}, fmt.Errorf("%w: the signed checkpoint is for size %d, the proof for size %d", ErrProof, own.Size, size)
	}
	if h, ok := held[size]; ok {
		if ownErr == nil && own.Root != h.cp.Root {
			return Checkpoint{}, fmt.Errorf("%w: the server's checkpoint of size %d (root %s) differs from the one you kept (root %s): the history was rewritten and re-signed",
				ErrProof, size, HashHex(own.Root), HashHex(h.cp.Root))
		}
		res.Held = append(res.Held, size)
		res.Fingerprints = append(res.Fingerprints, KeyFingerprint(h.key))
		return h.cp, nil
	}
	if ownErr != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint of size %d: %w", size, ownErr)
	}
	res.Fingerprints = append(res.Fingerprints, KeyFingerprint(key))
	return own, nil
}

func checkInclusionBundle(x *InclusionBundle, keys []string, held map[int64]heldCheckpoint) (ProofCheck, error) {
	res := ProofCheck{Kind: BundleInclusion, TreeSize: x.Proof.TreeSize}
	if len(x.Event) == 0 {
		return res, errors.New("inclusion proof: the event is missing")
	}
	rec, err := ParseEvent(x.Event)
	if err != nil {
		return res, fmt.Errorf("inclusion proof: %w", err)
	}
	res.Event = rec
	if rec.Seq != x.Proof.Seq {
		return res, fmt.Errorf("%w: the event has seq %d, the proof is for seq %d", ErrProof, rec.Seq, x.Proof.Seq)
	}
	cp, err := trustedAt(x.Checkpoint, x.Proof.TreeSize, keys, held, &res)
	if err != nil {
		return res, err
	}
	leaf := LeafHash(rec.Canonical())
	if err := CheckInclusion(x.Proof, leaf, cp); err != nil {
		return res, err
	}
	return res, nil
}

func checkConsistencyBundle(x *ConsistencyBundle, keys []string, held map[int64]heldCheckpoint) (ProofCheck, error) {
	res := ProofCheck{Kind: BundleConsistency, OldSize: x.Proof.OldSize, NewSize: x.Proof.NewSize}
	older, err := trustedAt(x.Old, x.Proof.OldSize, keys, held, &res)
	if err != nil {
		return res, err
	}
	newer, err := trustedAt(x.New, x.Proof.NewSize, keys, held, &res)
	if err != nil {
		return res, err
	}
	if err := CheckConsistency(x.Proof, older, newer); err != nil {
		return res, err
	}
	return res, nil
}
