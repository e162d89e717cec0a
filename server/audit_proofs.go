package server

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"roundtable/models"
	"roundtable/models/auditlog"
)

// exactJSON writes v without HTML-escaping. Proof bundles embed an event
// line whose data bytes are hashed as stored; escaping "<" again on the way
// out would be harmless to a JSON reader but would change those bytes.
func (s *Server) exactJSON(c *gin.Context, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "application/json; charset=utf-8", buf.Bytes())
}

func requiredInt(c *gin.Context, name string) (int64, error) {
	n, err := queryInt(c, name)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, models.Errorf(models.KindBadRequest, "invalid_parameter", "The parameter %q is required and must be at least 1.", name).WithField(name, "required")
	}
	return n, nil
}

func bundleCheckpoint(cp *models.AuditCheckpoint) auditlog.CheckpointJSON {
	return auditlog.CheckpointJSON{Size: cp.Size, Root: cp.Root, Note: cp.Note}
}

// inclusionBundle is the proof with the public key beside it (informational:
// the checker brings its own).
type inclusionBundle struct {
	auditlog.InclusionBundle
	VerifierKey string `json:"verifier_key"`
}

type consistencyBundle struct {
	auditlog.ConsistencyBundle
	VerifierKey string `json:"verifier_key"`
}

// apiInclusionProof proves that event ?seq is in the log of the signed
// checkpoint of ?size (default: the newest).
func (s *Server) apiInclusionProof(c *gin.Context) {
	seq, err := requiredInt(c, "seq")
	var size int64
	if err == nil {
		size, err = queryInt(c, "size")
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.store.ProveInclusion(c.Request.Context(), seq, size)
	if err != nil {
		s.fail(c, err)
		return
	}
	line, err := auditlog.MarshalEvent(p.Event.ExportEvent())
	if err != nil {
		s.fail(c, err)
		return
	}
	s.exactJSON(c, http.StatusOK, inclusionBundle{InclusionBundle: auditlog.InclusionBundle{Kind: auditlog.BundleInclusion,
		Proof: p.Proof, Event: line, Checkpoint: bundleCheckpoint(p.Checkpoint)}, VerifierKey: s.store.VerifierKey()})
}

// apiConsistencyProof proves that the signed checkpoint of ?to (default:
// the newest) extends the one of ?from.
func (s *Server) apiConsistencyProof(c *gin.Context) {
	from, err := requiredInt(c, "from")
	var to int64
	if err == nil {
		to, err = queryInt(c, "to")
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.store.ProveConsistency(c.Request.Context(), from, to)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.exactJSON(c, http.StatusOK, consistencyBundle{ConsistencyBundle: auditlog.ConsistencyBundle{Kind: auditlog.BundleConsistency,
		Proof: p.Proof, Old: bundleCheckpoint(p.Old), New: bundleCheckpoint(p.New)}, VerifierKey: s.store.VerifierKey()})
}
