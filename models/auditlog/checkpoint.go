package auditlog

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Sentinel errors let callers (and tests) tell the ways a checkpoint can fail.
var (
	ErrCheckpointMalformed = errors.New("malformed checkpoint")
	ErrCheckpointSignature = errors.New("checkpoint signature not valid for the key")
	ErrCheckpointOrigin    = errors.New("checkpoint origin does not match the key name")
)

// Checkpoint is a signed statement "the log named Origin had Size events and
// this Root". Its text is a C2SP tlog-checkpoint body; see doc.go.
type Checkpoint struct {
	Origin string
	Size   int64
	Root   tlog.Hash
}

// Text is the checkpoint body that gets signed:
// "<origin>\n<size>\n<base64 root>\n".
func (c Checkpoint) Text() string {
	return c.Origin + "\n" + strconv.FormatInt(c.Size, 10) + "\n" + base64.StdEncoding.EncodeToString(c.Root[:]) + "\n"
}

// ParseCheckpointText reads a body written by Text. It is strict (exactly
// three lines, canonical number and base64) so that one checkpoint has one
// spelling; C2SP extension lines are refused because we never write them.
func ParseCheckpointText(text string) (Checkpoint, error) {
	lines := strings.Split(text, "\n")
	if len(lines) != 4 || lines[3] != "" {
		return Checkpoint{}, fmt.Errorf("%w: want exactly 3 lines each ending in a newline", ErrCheckpointMalformed)
	}
	origin, sizeText, rootText := lines[0], lines[1], lines[2]
	if err := checkKeyName(origin); err != nil {
		return Checkpoint{}, fmt.Errorf("%w: origin: %w", ErrCheckpointMalformed, err)
	}
	size, err := strconv.ParseInt(sizeText, 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != sizeText {
		return Checkpoint{}, fmt.Errorf("%w: size %q is not a canonical non-negative decimal", ErrCheckpointMalformed, sizeText)
	}
	raw, err := base64.StdEncoding.DecodeString(rootText)
	if err != nil || len(raw) != tlog.HashSize || base64.StdEncoding.EncodeToString(raw) != rootText {
		return Checkpoint{}, fmt.Errorf("%w: root %q is not a base64 SHA-256 hash", ErrCheckpointMalformed, rootText)
	}
	c := Checkpoint{Origin: origin, Size: size}
	copy(c.Root[:], raw)
	return c, nil
}

// SignCheckpoint returns the signed note for c. The origin must be the
// signer's key name: that is how OpenCheckpoint, given only a key, knows
// which log a checkpoint must be for.
func SignCheckpoint(c Checkpoint, signer note.Signer) ([]byte, error) {
	if c.Origin != signer.Name() {
		return nil, fmt.Errorf("signing checkpoint: origin %q differs from key name %q", c.Origin, signer.Name())
	}
	if c.Size < 0 {
		return nil, fmt.Errorf("signing checkpoint: negative size %d", c.Size)
	}
	msg, err := note.Sign(&note.Note{Text: c.Text()}, signer)
	if err != nil {
		return nil, fmt.Errorf("signing checkpoint of size %d: %w", c.Size, err)
	}
	return msg, nil
}

// OpenCheckpoint verifies msg with verifierKey and returns the checkpoint.
// Signatures by other keys (e.g. witness cosignatures) are tolerated, but one
// by verifierKey is required.
func OpenCheckpoint(msg []byte, verifierKey string) (Checkpoint, error) {
	v, err := note.NewVerifier(verifierKey)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("verifier key: %w", err)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		switch {
		case errors.As(err, &unverified):
			return Checkpoint{}, fmt.Errorf("%w: not signed by %s (signed by %s)", ErrCheckpointSignature, keyID(v), signerList(unverified.Note))
		case errors.As(err, &invalid):
			return Checkpoint{}, fmt.Errorf("%w: bad signature by %s", ErrCheckpointSignature, keyID(v))
		default:
			return Checkpoint{}, fmt.Errorf("%w: %w", ErrCheckpointMalformed, err)
		}
	}
	c, err := ParseCheckpointText(n.Text)
	if err != nil {
		return Checkpoint{}, err
	}
	if c.Origin != v.Name() {
		return Checkpoint{}, fmt.Errorf("%w: origin %q, key %q", ErrCheckpointOrigin, c.Origin, v.Name())
	}
	return c, nil
}

func keyID(v note.Verifier) string { return fmt.Sprintf("%s+%08x", v.Name(), v.KeyHash()) }

func signerList(n *note.Note) string {
	if n == nil || len(n.UnverifiedSigs) == 0 {
		return "no one"
	}
	ids := make([]string, len(n.UnverifiedSigs))
	for i, s := range n.UnverifiedSigs {
		ids[i] = fmt.Sprintf("%s+%08x", s.Name, s.Hash)
	}
	return strings.Join(ids, ", ")
}
