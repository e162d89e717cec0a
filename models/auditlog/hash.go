package auditlog

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// chainPrefix separates chain hashes from RFC 6962 leaf (0x00) and node
// (0x01) hashes: without it, ChainHash(a, b) would equal the Merkle node
// hash of the same two children.
const chainPrefix = "roundtable-audit-chain/v1\n"

// LeafHash is the RFC 6962 leaf hash of an event's canonical bytes:
// SHA-256(0x00 || canonical).
func LeafHash(canonical []byte) tlog.Hash {
	return tlog.RecordHash(canonical)
}

// ChainHash links an event to its predecessor for the API's prev_hash/hash
// fields: SHA-256(chainPrefix || prev || leaf). The first event's prev is the
// zero hash. The chain adds no security beyond the signed Merkle roots; it
// exists so that verification can name the first altered event instead of
// only saying that a root differs.
func ChainHash(prev, leaf tlog.Hash) tlog.Hash {
	var buf [len(chainPrefix) + 2*tlog.HashSize]byte
	n := copy(buf[:], chainPrefix)
	n += copy(buf[n:], prev[:])
	copy(buf[n:], leaf[:])
	return sha256.Sum256(buf[:])
}

// EmptyTreeRoot is the RFC 6962 root of a log with no events, SHA-256 of
// nothing. It is what a checkpoint of size 0 carries.
func EmptyTreeRoot() tlog.Hash {
	return sha256.Sum256(nil)
}

// HashHex is the API's spelling of a hash: 64 lowercase hex digits.
func HashHex(h tlog.Hash) string {
	return hex.EncodeToString(h[:])
}

// ParseHashHex reads a hash written by HashHex (either letter case).
func ParseHashHex(s string) (tlog.Hash, error) {
	return parseHashHexBytes([]byte(s))
}

func parseHashHexBytes(s []byte) (tlog.Hash, error) {
	var h tlog.Hash
	if len(s) != 2*tlog.HashSize {
		return h, fmt.Errorf("hash must be %d hex digits, got %d characters", 2*tlog.HashSize, len(s))
	}
	if _, err := hex.Decode(h[:], s); err != nil {
		return tlog.Hash{}, fmt.Errorf("hash is not hex: %w", err)
	}
	return h, nil
}
