package auditlog

import (
	"encoding/json"
	"fmt"

	"golang.org/x/mod/sumdb/note"
)

// The log names its own signing keys: its first event (ActionKeyInit)
// registers the key that signs its checkpoints, and every later change of
// key is an event too (ActionKeyChanged). Both carry the verifier key in
// data.public_key. A Verifier that sees these events checks each checkpoint
// with the key in force at the checkpoint's size, so that a history signed
// under several keys in turn verifies end to end, offline as well as on the
// server.
//
// Trust still starts from one key the verifier is given (the auditor's
// trusted key, else the export header's, on the server its own): the log's
// last registered key must be that key, and a checkpoint signed by that key
// must cover the event that registered it. Older keys are then vouched for by
// the newest one, because the events that registered them lie inside a root
// the newest key signed. Without the second rule, someone who rewrote the
// whole history under a key of their own could append a registration of the
// real key at the very end and pass.
const (
	ActionKeyInit    = "audit.init"
	ActionKeyChanged = "audit.key_changed"
)

// keyRegistration is one key the log registered and where.
type keyRegistration struct {
	seq int64
	key string
}

// RegisteredKey returns the verifier key that an event with this action and
// data registers, or "" if the event registers none.
func RegisteredKey(action string, data []byte) string {
	if action != ActionKeyInit && action != ActionKeyChanged {
		return ""
	}
	var d struct {
		PublicKey string `json:"public_key"`
	}
	if json.Unmarshal(data, &d) != nil {
		return ""
	}
	return d.PublicKey
}

// noteKey records a key registration carried by rec, if any.
func (v *Verifier) noteKey(rec *Record, pos, line int64) {
	if rec.Action != ActionKeyInit && rec.Action != ActionKeyChanged {
		return
	}
	key := RegisteredKey(rec.Action, rec.Data)
	if _, err := note.NewVerifier(key); err != nil {
		v.eventProblem(pos, line, rec.Seq, pos, "%s does not register a valid verifier key: %v", rec.Action, err)
		return
	}
	v.regs = append(v.regs, keyRegistration{seq: rec.Seq, key: key})
}

// keyInForce is the key that signs checkpoints at the current size: the
// last one the log registered so far, or the given key if it registered none.
func (v *Verifier) keyInForce() string {
	if n := len(v.regs); n > 0 {
		return v.regs[n-1].key
	}
	return v.key
}

// CheckNotes is CheckSigned for a log that registers its keys (the server's
// stored checkpoints): each signed note is opened when the log reaches its
// size, with the key the log has registered by then, falling back to
// trustedKey. trustedKey is the key the log must end up with.
func (v *Verifier) CheckNotes(trustedKey string, notes ...[]byte) {
	v.setKey(trustedKey)
	for i, msg := range notes {
		v.deferNote(msg, fmt.Sprintf("signed checkpoint #%d", i+1), false, "")
	}
}

// deferNote registers a signed note whose signature is checked only when the
// log reaches its size, because the key in force there is not known yet.
// Its size is read from the unverified text to know when that is.
func (v *Verifier) deferNote(msg []byte, source string, held bool, hint string) {
	text, _, ok := splitNote(msg)
	if !ok {
		v.structuralProblem("%s: %v: not a signed note", source, ErrCheckpointMalformed)
		return
	}
	c, err := ParseCheckpointText(text)
	if err != nil {
		v.structuralProblem("%s: %v", source, err)
		return
	}
	v.check(pendingCheckpoint{cp: Checkpoint{Size: c.Size}, note: msg, hint: hint,
		source: fmt.Sprintf("%s (size %d)", source, c.Size), held: held})
}

// openDeferred checks a deferred note's signature with the key in force,
// then with the trusted key. It reports and returns false if neither opens it.
func (v *Verifier) openDeferred(p *pendingCheckpoint) bool {
	if p.note == nil {
		return true
	}
	var firstErr error
	for _, k := range v.candidateKeys() {
		cp, err := OpenCheckpoint(p.note, k)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if cp.Size != p.cp.Size {
			// The size was read from the same text, so this cannot happen
			// unless the note changed under us.
			v.structuralProblem("%s: the signed size is %d", p.source, cp.Size)
			return false
		}
		p.cp, p.signed, p.signer, p.note = cp, true, k, nil
		return true
	}
	if firstErr == nil {
		v.structuralProblem("%s: no valid verifier key to check it with", p.source)
	} else {
		v.structuralProblem("%s: %v%s", p.source, firstErr, p.hint)
	}
	return false
}

// candidateKeys are the keys a checkpoint at the current size may be signed
// with, preferred first.
func (v *Verifier) candidateKeys() []string {
	keys := make([]string, 0, 2)
	if k := v.keyInForce(); k != "" {
		keys = append(keys, k)
	}
	if v.key != "" && (len(keys) == 0 || keys[0] != v.key) {
		keys = append(keys, v.key)
	}
	return keys
}

// keyProblems applies the two rules above once the whole log was read.
func (v *Verifier) keyProblems() []string {
	n := len(v.regs)
	if n == 0 || v.key == "" {
		return nil
	}
	last := v.regs[n-1]
	switch {
	case last.key != v.key:
		return []string{fmt.Sprintf("the log's last registered signing key (seq %d, fingerprint %s) is not the key checkpoints are checked with (fingerprint %s)",
			last.seq, KeyFingerprint(last.key), KeyFingerprint(v.key))}
	case v.keySignedSize < last.seq:
		return []string{fmt.Sprintf("no checkpoint signed by the key registered at seq %d (fingerprint %s) covers that registration: whoever registered it may not hold it",
			last.seq, KeyFingerprint(last.key))}
	}
	return nil
}

// opensWithAnyKey reports whether some key the log registered, or the given
// key, signed msg. It changes nothing, so Report may call it.
func (v *Verifier) opensWithAnyKey(msg []byte) bool {
	keys := []string{v.key}
	for _, r := range v.regs {
		keys = append(keys, r.key)
	}
	for _, k := range keys {
		if k == "" {
			continue
		}
		if _, err := OpenCheckpoint(msg, k); err == nil {
			return true
		}
	}
	return false
}
