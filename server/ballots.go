package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"roundtable/models"
	"roundtable/policy"
)

type ballotOptionJSON struct {
	VersionID int64 `json:"version_id"`
	Number    int   `json:"number"`
}

// groupTallyOut is one group's count. Choice counts are null while a
// ballot hides its running tally.
type groupTallyOut struct {
	Eligible       int           `json:"eligible"`
	Voted          int           `json:"voted"`
	Approve        *int          `json:"approve"`
	Reject         *int          `json:"reject"`
	Abstain        *int          `json:"abstain"`
	Picks          map[int64]int `json:"picks,omitempty"`
	TurnoutPercent *float64      `json:"turnout_percent"`
	QuorumMet      *bool         `json:"quorum_met"`
	Approved       *bool         `json:"approved,omitempty"`
	Favourite      *int64        `json:"favourite,omitempty"`
}

type voteJSON struct {
	Choice    string    `json:"choice"`
	VersionID *int64    `json:"version_id,omitempty"`
	Reason    string    `json:"reason"`
	UpdatedAt time.Time `json:"updated_at"`
}

type ballotJSON struct {
	ID              int64                    `json:"id"`
	VersionID       int64                    `json:"version_id"`
	DocumentID      int64                    `json:"document_id"`
	Kind            string                   `json:"kind"`
	Question        string                   `json:"question"`
	Status          string                   `json:"status"`
	ClosesAt        time.Time                `json:"closes_at"`
	Rule            string                   `json:"rule"`
	QuorumPercent   int                      `json:"quorum_percent"`
	ShowRunning     bool                     `json:"show_running"`
	OpenedAt        time.Time                `json:"opened_at"`
	ClosedAt        *time.Time               `json:"closed_at"`
	Options         []ballotOptionJSON       `json:"options,omitempty"`
	TalliesVisible  bool                     `json:"tallies_visible"`
	Tallies         map[string]groupTallyOut `json:"tallies"`
	Result          *string                  `json:"result"`
	ResultVersionID *int64                   `json:"result_version_id"`
	MyVote          *voteJSON                `json:"my_vote"`
	CanVote         bool                     `json:"can_vote"`
}

func toVoteJSON(v *models.Vote) *voteJSON {
	if v == nil {
		return nil
	}
	return &voteJSON{Choice: v.Choice, VersionID: v.OptionID, Reason: v.Reason, UpdatedAt: v.UpdatedAt.UTC()}
}

// talliesVisible: a closed ballot always shows its count; an open one only
// if it was opened with running tallies on (off by default, because
// interim results sway votes).
func talliesVisible(b *models.Ballot) bool { return b.Status == models.BallotClosed || b.ShowRunning }

func ptr[T any](v T) *T { return &v }

func tallyJSON(b *models.Ballot, o *models.Outcome) map[string]groupTallyOut {
	out := map[string]groupTallyOut{}
	show := talliesVisible(b)
	if o.Choice != nil {
		for _, g := range o.Choice.Groups {
			t := groupTallyOut{Eligible: g.Eligible, Voted: g.Voted()}
			if show {
				t.Abstain, t.Picks = ptr(g.Abstain), g.Picks
				t.TurnoutPercent, t.QuorumMet = ptr(g.TurnoutPercent), ptr(g.QuorumMet)
				if g.Favourite != 0 {
					t.Favourite = ptr(g.Favourite)
				}
			}
			out[g.Key] = t
		}
		return out
	}
	for _, g := range o.Approval.Groups {
		t := groupTallyOut{Eligible: g.Eligible, Voted: g.Voted()}
		if show {
			t.Approve, t.Reject, t.Abstain = ptr(g.Approve), ptr(g.Reject), ptr(g.Abstain)
			t.TurnoutPercent, t.QuorumMet, t.Approved = ptr(g.TurnoutPercent), ptr(g.QuorumMet), ptr(g.Approved)
		}
		out[g.Key] = t
	}
	return out
}

// loadBallot reads :id, closing it first if its deadline passed, so no one
// ever sees a ballot as open after its closing time.
func (s *Server) loadBallot(c *gin.Context) (*models.Ballot, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	return s.store.RefreshBallot(c.Request.Context(), id)
}

func (s *Server) canVote(c *gin.Context, b *models.Ballot) bool {
	return s.authz.Can(subjectOf(currentUser(c)), policy.Object{Kind: "ballot", ID: b.ID, Status: b.Status}, "vote")
}

func (s *Server) toBallotJSON(c *gin.Context, b *models.Ballot) (ballotJSON, error) {
	ctx := c.Request.Context()
	o, err := s.store.BallotOutcome(ctx, b)
	if err != nil {
		return ballotJSON{}, err
	}
	out := ballotJSON{ID: b.ID, VersionID: b.VersionID, DocumentID: b.DocumentID, Kind: b.Kind, Question: b.Question, Status: b.Status,
		ClosesAt: b.ClosesAt.UTC(), Rule: b.Rule, QuorumPercent: b.QuorumPercent, ShowRunning: b.ShowRunning, OpenedAt: b.OpenedAt.UTC(),
		ClosedAt: utcPtr(b.ClosedAt), TalliesVisible: talliesVisible(b), Tallies: tallyJSON(b, o), ResultVersionID: b.ResultVersionID,
		CanVote: s.canVote(c, b) && b.IsOpen(s.store.Now())}
	if b.Result != "" {
		out.Result = ptr(b.Result)
	}
	for _, opt := range b.Options {
		out.Options = append(out.Options, ballotOptionJSON{VersionID: opt.VersionID, Number: opt.Version.Number})
	}
	if u := currentUser(c); u.Role == models.RoleMember {
		mine, err := s.store.MyVote(ctx, b.ID, u.ID)
		if err != nil {
			return ballotJSON{}, err
		}
		out.MyVote = toVoteJSON(mine)
	}
	return out, nil
}

// writeBallot answers with the ballot as the viewer may see it.
func (s *Server) writeBallot(c *gin.Context, status int, b *models.Ballot) {
	j, err := s.toBallotJSON(c, b)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.json(c, status, gin.H{"ballot": j})
}

func (s *Server) apiBallots(c *gin.Context) {
	bs, err := s.store.Ballots(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]ballotJSON, 0, len(bs))
	for i := range bs {
		b, err := s.store.RefreshBallot(c.Request.Context(), bs[i].ID)
		if err != nil {
			s.fail(c, err)
			return
		}
		j, err := s.toBallotJSON(c, b)
		if err != nil {
			s.fail(c, err)
			return
		}
		out = append(out, j)
	}
	s.json(c, http.StatusOK, gin.H{"ballots": out})
}

func (s *Server) apiBallot(c *gin.Context) {
	b, err := s.loadBallot(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.writeBallot(c, http.StatusOK, b)
}

type ballotRequest struct {
	Question      string    `json:"question"`
	ClosesAt      time.Time `json:"closes_at"`
	Rule          string    `json:"rule"`
	QuorumPercent *int      `json:"quorum_percent"`
	ShowRunning   bool      `json:"show_running"`
	Options       []int64   `json:"options"`
}

// defaultQuorum applies when the secretariat names none: half of each
// voting group must take part.
const defaultQuorum = 50

func (s *Server) apiBallotOpen(c *gin.Context) {
	v, err := s.loadVersion(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req ballotRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	q := defaultQuorum
	if req.QuorumPercent != nil {
		q = *req.QuorumPercent
	}
	b, err := s.store.OpenBallot(c.Request.Context(), s.actor(c), v.ID, models.BallotInput{Question: req.Question, ClosesAt: req.ClosesAt,
		Rule: req.Rule, QuorumPercent: q, ShowRunning: req.ShowRunning, Options: req.Options})
	if err != nil {
		s.fail(c, err)
		return
	}
	s.writeBallot(c, http.StatusCreated, b)
}

type ballotPatch struct {
	Question      *string    `json:"question"`
	ClosesAt      *time.Time `json:"closes_at"`
	Rule          *string    `json:"rule"`
	QuorumPercent *int       `json:"quorum_percent"`
	ShowRunning   *bool      `json:"show_running"`
}

func (s *Server) apiBallotUpdate(c *gin.Context) {
	b, err := s.loadBallot(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req ballotPatch
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	b, err = s.store.UpdateBallot(c.Request.Context(), s.actor(c), b.ID, models.BallotChange{Question: req.Question, ClosesAt: req.ClosesAt,
		Rule: req.Rule, QuorumPercent: req.QuorumPercent, ShowRunning: req.ShowRunning})
	if err != nil {
		s.fail(c, err)
		return
	}
	s.writeBallot(c, http.StatusOK, b)
}

type voteRequest struct {
	Choice    string `json:"choice"`
	VersionID *int64 `json:"version_id"`
	Reason    string `json:"reason"`
}

// vote checks, with the loaded ballot, that the viewer's group votes; an
// advisory member is refused here even though members may reach the route.
func (s *Server) vote(c *gin.Context, in models.VoteInput) (*models.Ballot, *models.Vote, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, nil, err
	}
	b, err := s.store.BallotByID(c.Request.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	if !s.canVote(c, b) {
		return nil, nil, &models.Error{Kind: models.KindForbidden, Code: "not_eligible", Message: "Only members of a voting stakeholder group vote."}
	}
	v, err := s.store.CastVote(c.Request.Context(), s.actor(c), currentUser(c), b.ID, in)
	return b, v, err
}

func (s *Server) apiVote(c *gin.Context) {
	var req voteRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	in := models.VoteInput{Choice: req.Choice, OptionID: req.VersionID, Reason: req.Reason}
	if req.VersionID != nil && req.Choice == "" {
		in.Choice = models.ChoicePick
	}
	_, v, err := s.vote(c, in)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.json(c, http.StatusOK, gin.H{"vote": toVoteJSON(v)})
}

func (s *Server) apiBallotClose(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	b, err := s.store.CloseBallot(c.Request.Context(), s.actor(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.writeBallot(c, http.StatusOK, b)
}

type namedVoteJSON struct {
	Member    authorJSON `json:"member"`
	Voted     bool       `json:"voted"`
	Choice    *string    `json:"choice,omitempty"`
	VersionID *int64     `json:"version_id,omitempty"`
	Reason    *string    `json:"reason,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// namedVotes is the roll: after closing, every eligible member with their
// vote and reason (an on-the-record council); before closing, only whether
// each has voted.
func (s *Server) namedVotes(c *gin.Context, b *models.Ballot) ([]namedVoteJSON, error) {
	ctx := c.Request.Context()
	voters, err := s.store.EligibleVoters(ctx, b.Version.Document.CouncilID)
	if err != nil {
		return nil, err
	}
	votes, err := s.store.Votes(ctx, b.ID)
	if err != nil {
		return nil, err
	}
	byUser := map[int64]*models.Vote{}
	for i := range votes {
		byUser[votes[i].UserID] = &votes[i]
	}
	closed := b.Status == models.BallotClosed
	var out []namedVoteJSON
	seen := map[int64]bool{}
	add := func(u *models.User, v *models.Vote) {
		seen[u.ID] = true
		n := namedVoteJSON{Member: authorJSON{ID: u.ID, Name: u.Name, Organisation: u.Organisation}, Voted: v != nil}
		if g := u.GroupKey(); g != "" {
			n.Member.Group = &g
		}
		if closed && v != nil {
			n.Choice, n.VersionID, n.Reason, n.UpdatedAt = ptr(v.Choice), v.OptionID, ptr(v.Reason), utcPtr(&v.UpdatedAt)
		}
		out = append(out, n)
	}
	for i := range voters {
		add(&voters[i], byUser[voters[i].ID])
	}
	// Votes of members who are no longer eligible stay on the record.
	for i := range votes {
		if !seen[votes[i].UserID] && votes[i].User != nil {
			add(votes[i].User, &votes[i])
		}
	}
	return out, nil
}

func (s *Server) apiBallotVotes(c *gin.Context) {
	b, err := s.loadBallot(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	votes, err := s.namedVotes(c, b)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.json(c, http.StatusOK, gin.H{"ballot_id": b.ID, "status": b.Status, "votes": votes})
}

func formatID(id int64) string { return strconv.FormatInt(id, 10) }
