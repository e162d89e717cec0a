package auditlog

import (
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// Our API numbers events from 1 (seq); tlog numbers records from 0. Every
// conversion goes through the two functions below so that an off-by-one
// cannot hide in arithmetic scattered over the database code.

// LeafIndex returns tlog's 0-based record index of the event with 1-based seq.
func LeafIndex(seq int64) (int64, error) {
	if seq < 1 {
		return 0, fmt.Errorf("seq %d: sequence numbers start at 1", seq)
	}
	return seq - 1, nil
}

// SeqOfLeafIndex is the inverse of LeafIndex.
func SeqOfLeafIndex(index int64) int64 { return index + 1 }

// StoredLeafIndex is where, in the stored-hash table, the leaf hash of event
// seq lives (tlog.StoredHashIndex at level 0).
func StoredLeafIndex(seq int64) (int64, error) {
	i, err := LeafIndex(seq)
	if err != nil {
		return 0, err
	}
	return tlog.StoredHashIndex(0, i), nil
}

// StoredHashCount is how many stored hashes a log of size events has; after
// appending event seq, the table must hold exactly StoredHashCount(seq) rows.
func StoredHashCount(size int64) int64 { return tlog.StoredHashCount(size) }

// HashesToStore returns the hashes to insert when appending event seq whose
// leaf hash is leaf: hashes[i] goes at stored index firstIndex+i. r must
// already hold the hashes of events 1..seq-1. Appends must be serialised
// (one writer at a time), because event seq's hashes depend on all earlier ones.
func HashesToStore(seq int64, leaf tlog.Hash, r tlog.HashReader) (firstIndex int64, hashes []tlog.Hash, err error) {
	i, err := LeafIndex(seq)
	if err != nil {
		return 0, nil, err
	}
	hashes, err = tlog.StoredHashesForRecordHash(i, leaf, r)
	if err != nil {
		return 0, nil, fmt.Errorf("computing stored hashes for seq %d: %w", seq, err)
	}
	return tlog.StoredHashIndex(0, i), hashes, nil
}

// TreeRoot is the RFC 6962 root of the log's first size events.
func TreeRoot(size int64, r tlog.HashReader) (tlog.Hash, error) {
	if size < 0 {
		return tlog.Hash{}, fmt.Errorf("tree size %d: must not be negative", size)
	}
	h, err := tlog.TreeHash(size, r)
	if err != nil {
		return tlog.Hash{}, fmt.Errorf("computing root of size %d: %w", size, err)
	}
	return h, nil
}

// readOne fetches a single stored hash; HashReader only speaks in batches.
func readOne(r tlog.HashReader, index int64) (tlog.Hash, error) {
	hs, err := r.ReadHashes([]int64{index})
	if err != nil {
		return tlog.Hash{}, err
	}
	if len(hs) != 1 {
		return tlog.Hash{}, fmt.Errorf("hash reader returned %d hashes for 1 index", len(hs))
	}
	return hs[0], nil
}
