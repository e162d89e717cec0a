package auditlog

import (
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// ErrProof marks a proof that does not prove what it claims.
var ErrProof = errors.New("audit proof does not verify")

// InclusionProof shows that event Seq is in the log of TreeSize events.
// Hashes are hex like everywhere else in the API. LeafHash and Root are what
// the server claims; a checker trusts neither and recomputes the leaf from
// the event and takes the root from a checkpoint it verified itself.
type InclusionProof struct {
	Seq      int64    `json:"seq"`
	TreeSize int64    `json:"tree_size"`
	LeafHash string   `json:"leaf_hash"`
	Root     string   `json:"root"`
	Path     []string `json:"path"` // RFC 6962 audit path, bottom up
}

// ConsistencyProof shows that the log of NewSize events extends the log of
// OldSize events without changing any of them.
type ConsistencyProof struct {
	OldSize int64    `json:"old_size"`
	NewSize int64    `json:"new_size"`
	OldRoot string   `json:"old_root"`
	NewRoot string   `json:"new_root"`
	Path    []string `json:"path"` // RFC 6962 consistency proof
}

// ProveInclusion builds the proof that event seq is in the log of treeSize
// events, from the stored hashes in r.
func ProveInclusion(seq, treeSize int64, r tlog.HashReader) (InclusionProof, error) {
	index, err := LeafIndex(seq)
	if err != nil {
		return InclusionProof{}, err
	}
	if seq > treeSize {
		return InclusionProof{}, fmt.Errorf("seq %d is not in a tree of size %d", seq, treeSize)
	}
	path, err := tlog.ProveRecord(treeSize, index, r)
	if err != nil {
		return InclusionProof{}, fmt.Errorf("proving seq %d in size %d: %w", seq, treeSize, err)
	}
	leaf, err := readOne(r, tlog.StoredHashIndex(0, index))
	if err != nil {
		return InclusionProof{}, fmt.Errorf("reading leaf hash of seq %d: %w", seq, err)
	}
	root, err := TreeRoot(treeSize, r)
	if err != nil {
		return InclusionProof{}, err
	}
	return InclusionProof{Seq: seq, TreeSize: treeSize, LeafHash: HashHex(leaf), Root: HashHex(root), Path: hexList(path)}, nil
}

// CheckInclusion verifies p for an event whose leaf hash the caller computed
// (LeafHash(rec.Canonical())) against a checkpoint the caller trusts.
func CheckInclusion(p InclusionProof, leaf tlog.Hash, trusted Checkpoint) error {
	if p.TreeSize != trusted.Size {
		return fmt.Errorf("%w: proof is for size %d, checkpoint for size %d", ErrProof, p.TreeSize, trusted.Size)
	}
	index, err := LeafIndex(p.Seq)
	if err != nil || p.Seq > p.TreeSize {
		return fmt.Errorf("%w: seq %d cannot be in a tree of size %d", ErrProof, p.Seq, p.TreeSize)
	}
	if err := claimMatches("leaf_hash", p.LeafHash, leaf); err != nil {
		return err
	}
	if err := claimMatches("root", p.Root, trusted.Root); err != nil {
		return err
	}
	path, err := parseHexList(p.Path)
	if err != nil {
		return err
	}
	if err := tlog.CheckRecord(path, p.TreeSize, trusted.Root, index, leaf); err != nil {
		return fmt.Errorf("%w: seq %d in size %d: %w", ErrProof, p.Seq, p.TreeSize, err)
	}
	return nil
}

// ProveConsistency builds the proof that the log of newSize events extends
// the one of oldSize events (0 <= oldSize <= newSize).
func ProveConsistency(oldSize, newSize int64, r tlog.HashReader) (ConsistencyProof, error) {
	if oldSize < 0 || oldSize > newSize {
		return ConsistencyProof{}, fmt.Errorf("consistency needs 0 <= old size (%d) <= new size (%d)", oldSize, newSize)
	}
	oldRoot, err := TreeRoot(oldSize, r)
	if err != nil {
		return ConsistencyProof{}, err
	}
	newRoot, err := TreeRoot(newSize, r)
	if err != nil {
		return ConsistencyProof{}, err
	}
	// The empty log is a prefix of every log, so there is nothing to prove;
	// tlog.ProveTree rejects size 0 for that reason.
	var path tlog.TreeProof
	if oldSize > 0 {
		if path, err = tlog.ProveTree(newSize, oldSize, r); err != nil {
			return ConsistencyProof{}, fmt.Errorf("proving size %d extends size %d: %w", newSize, oldSize, err)
		}
	}
	return ConsistencyProof{OldSize: oldSize, NewSize: newSize, OldRoot: HashHex(oldRoot), NewRoot: HashHex(newRoot), Path: hexList(path)}, nil
}

// CheckConsistency verifies p against two checkpoints the caller trusts,
// typically one held from an earlier visit and one just fetched.
func CheckConsistency(p ConsistencyProof, older, newer Checkpoint) error {
	if p.OldSize != older.Size || p.NewSize != newer.Size {
		return fmt.Errorf("%w: proof is for sizes %d→%d, checkpoints for %d→%d", ErrProof, p.OldSize, p.NewSize, older.Size, newer.Size)
	}
	if p.OldSize < 0 || p.OldSize > p.NewSize {
		return fmt.Errorf("%w: sizes %d→%d shrink", ErrProof, p.OldSize, p.NewSize)
	}
	if err := claimMatches("old_root", p.OldRoot, older.Root); err != nil {
		return err
	}
	if err := claimMatches("new_root", p.NewRoot, newer.Root); err != nil {
		return err
	}
	path, err := parseHexList(p.Path)
	if err != nil {
		return err
	}
	if p.OldSize == 0 {
		if older.Root != EmptyTreeRoot() || len(path) != 0 {
			return fmt.Errorf("%w: a size-0 checkpoint must carry the empty root and need no proof", ErrProof)
		}
		return nil
	}
	if err := tlog.CheckTree(path, p.NewSize, newer.Root, p.OldSize, older.Root); err != nil {
		return fmt.Errorf("%w: size %d does not extend size %d: %w", ErrProof, p.NewSize, p.OldSize, err)
	}
	return nil
}

// claimMatches rejects a proof whose claimed hash differs from the trusted
// one; an empty claim is allowed because the claims are informational.
func claimMatches(field, claim string, trusted tlog.Hash) error {
	if claim == "" {
		return nil
	}
	h, err := ParseHashHex(claim)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrProof, field, err)
	}
	if h != trusted {
		return fmt.Errorf("%w: %s %s differs from the trusted %s", ErrProof, field, claim, HashHex(trusted))
	}
	return nil
}

func hexList(hs []tlog.Hash) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = HashHex(h)
	}
	return out
}

func parseHexList(ss []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(ss))
	for i, s := range ss {
		h, err := ParseHashHex(s)
		if err != nil {
			return nil, fmt.Errorf("%w: path[%d]: %w", ErrProof, i, err)
		}
		out[i] = h
	}
	return out, nil
}
