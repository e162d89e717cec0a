package models_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"roundtable/models"
	"roundtable/models/storetest"
)

// ballotEnv is a demo council with a movable clock and a freshly published
// version to vote on.
type ballotEnv struct {
	st      *models.Store
	clk     *clock
	sec     models.Actor
	version *models.Version
	users   map[string]*models.User
}

func newBallotEnv(t *testing.T, d models.Dialect) *ballotEnv {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	st := storetest.Open(t, d, storetest.Options{Now: clk.Now})
	if err := st.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	e := &ballotEnv{st: st, clk: clk, users: map[string]*models.User{}}
	us, _ := st.Users(ctx)
	for i := range us {
		u := us[i]
		e.users[u.Email] = &u
	}
	sec := e.users["secretariat@example.org"]
	e.sec = models.ActorFor(sec, "", "")
	doc, err := st.CreateDocument(ctx, e.sec, "투표용 기준안", "")
	if err != nil {
		t.Fatal(err)
	}
	v, err := st.CreateDraft(ctx, e.sec, doc.ID, models.VersionInput{Summary: "s", Clauses: []models.ClauseInput{{Key: "1", Title: "목적", Body: "본문"}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.version, err = st.Publish(ctx, e.sec, v.ID); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *ballotEnv) open(t *testing.T, in models.BallotInput) *models.Ballot {
	t.Helper()
	if in.Question == "" {
		in.Question = "이 기준안을 채택할까요?"
	}
	if in.ClosesAt.IsZero() {
		in.ClosesAt = e.clk.Now().Add(48 * time.Hour)
	}
	b, err := e.st.OpenBallot(context.Background(), e.sec, e.version.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (e *ballotEnv) vote(email string, b *models.Ballot, choice string) (*models.Vote, error) {
	u := e.users[email]
	return e.st.CastVote(context.Background(), models.ActorFor(u, "", ""), u, b.ID, models.VoteInput{Choice: choice, Reason: "이유: " + choice})
}

func kindOf(err error) models.Kind { return models.ErrorKind(err) }

func TestOpenBallotRules(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			e := newBallotEnv(t, d)
			ctx := context.Background()
			past := e.clk.Now().Add(-time.Minute)
			if _, err := e.st.OpenBallot(ctx, e.sec, e.version.ID, models.BallotInput{Question: "q", ClosesAt: past}); kindOf(err) != models.KindInvalid {
				t.Errorf("closing time in the past: %v", err)
			}
			if _, err := e.st.OpenBallot(ctx, e.sec, e.version.ID, models.BallotInput{Question: "q", ClosesAt: e.clk.Now().Add(time.Hour), Rule: "dictator"}); kindOf(err) != models.KindInvalid {
				t.Errorf("unknown rule: %v", err)
			}
			b := e.open(t, models.BallotInput{})
			if b.Rule != "majority_each_group" || b.Kind != models.BallotApproval || b.ShowRunning {
				t.Errorf("defaults: %+v", b)
			}
			if _, err := e.st.OpenBallot(ctx, e.sec, e.version.ID, models.BallotInput{Question: "q", ClosesAt: e.clk.Now().Add(time.Hour)}); kindOf(err) != models.KindConflict {
				t.Errorf("second open ballot: %v", err)
			}
			draft, _ := e.st.CreateDraft(ctx, e.sec, e.version.DocumentID, models.VersionInput{Summary: "d"}, &e.version.ID)
			if _, err := e.st.OpenBallot(ctx, e.sec, draft.ID, models.BallotInput{Question: "q", ClosesAt: e.clk.Now().Add(time.Hour)}); kindOf(err) != models.KindConflict {
				t.Errorf("ballot on a draft: %v", err)
			}
			// The rule is fixed once someone has voted.
			if _, err := e.vote("merchant1@example.org", b, "approve"); err != nil {
				t.Fatal(err)
			}
			rule := "simple_majority"
			if _, err := e.st.UpdateBallot(ctx, e.sec, b.ID, models.BallotChange{Rule: &rule}); kindOf(err) != models.KindConflict {
				t.Errorf("rule change after votes: %v", err)
			}
			later := b.ClosesAt.Add(24 * time.Hour)
			if _, err := e.st.UpdateBallot(ctx, e.sec, b.ID, models.BallotChange{ClosesAt: &later}); err != nil {
				t.Errorf("extending the deadline: %v", err)
			}
		})
	}
}

func TestVotingAndResultJourney(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			e := newBallotEnv(t, d)
			ctx := context.Background()
			b := e.open(t, models.BallotInput{QuorumPercent: 50})
			// Advisory, secretariat, auditor and admin cannot vote.
			for _, who := range []string{"expert1@example.org", "secretariat@example.org", "auditor@example.org", "admin@example.org"} {
				if _, err := e.vote(who, b, "approve"); kindOf(err) != models.KindForbidden {
					t.Errorf("%s voted: %v", who, err)
				}
			}
			if _, err := e.vote("merchant1@example.org", b, "maybe"); kindOf(err) != models.KindInvalid {
				t.Errorf("invalid choice: %v", err)
			}
			votes := map[string]string{
				"merchant1@example.org": "approve", "merchant2@example.org": "reject",
				"startup1@example.org": "approve", "startup2@example.org": "abstain",
				"consumer1@example.org": "approve", "consumer2@example.org": "approve",
			}
			for who, c := range votes {
				if _, err := e.vote(who, b, c); err != nil {
					t.Fatalf("%s: %v", who, err)
				}
			}
			// merchant2 changes their mind: approve.
			v, err := e.vote("merchant2@example.org", b, "approve")
			if err != nil || v.Choice != "approve" {
				t.Fatalf("change of mind: %+v %v", v, err)
			}
			all, _ := e.st.Votes(ctx, b.ID)
			if len(all) != 6 {
				t.Fatalf("%d vote rows, want 6", len(all))
			}
			closed, err := e.st.CloseBallot(ctx, e.sec, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			if closed.Status != models.BallotClosed || closed.Result != models.ResultAdopted {
				t.Fatalf("closed ballot %+v", closed)
			}
			if _, err := e.st.CloseBallot(ctx, e.sec, b.ID); kindOf(err) != models.KindConflict {
				t.Errorf("closing twice: %v", err)
			}
			ver, _ := e.st.VersionByID(ctx, e.version.ID)
			if ver.Status != models.StatusAdopted {
				t.Errorf("version status %s after adoption", ver.Status)
			}
			o, err := e.st.BallotOutcome(ctx, closed)
			if err != nil || !o.Frozen {
				t.Fatalf("outcome %+v %v", o, err)
			}
			byKey := map[string]int{}
			for i, g := range o.Approval.Groups {
				byKey[g.Key] = i
			}
			m := o.Approval.Groups[byKey["merchant"]]
			if m.Eligible != 3 || m.Approve != 2 || m.Reject != 0 || !m.QuorumMet || !m.Approved {
				t.Errorf("merchant tally %+v", m)
			}
			c := o.Approval.Groups[byKey["consumer"]]
			if c.Eligible != 3 || c.Voted() != 2 || !c.Approved {
				t.Errorf("consumer tally %+v", c)
			}
			// A vote after closing is refused and the old vote stays.
			if _, err := e.vote("merchant1@example.org", b, "reject"); kindOf(err) != models.KindConflict {
				t.Errorf("vote after close: %v", err)
			}
			mine, _ := e.st.MyVote(ctx, b.ID, e.users["merchant1@example.org"].ID)
			if mine.Choice != "approve" {
				t.Errorf("old vote changed to %s", mine.Choice)
			}
			// Frozen tallies cannot be rewritten.
			if err := e.st.DB().Exec("UPDATE ballot_tallies SET approve = 0").Error; err == nil {
				t.Error("frozen tallies were updated")
			}
			evs, _ := e.st.AuditEvents(ctx, models.AuditFilter{ObjectType: "ballot", ObjectID: b.ID, Limit: 100})
			counts := map[string]int{}
			for _, ev := range evs {
				counts[ev.Action]++
			}
			if counts["ballot.open"] != 1 || counts["ballot.vote"] != 7 || counts["ballot.close"] != 1 {
				t.Errorf("history: %v", counts)
			}
			if v, err := e.st.VerifyAudit(ctx); err != nil || !v.OK {
				t.Errorf("verify: %+v %v", v, err)
			}
		})
	}
}

func TestOneGroupRejectingRejectsTheVersion(t *testing.T) {
	e := newBallotEnv(t, models.SQLite)
	ctx := context.Background()
	b := e.open(t, models.BallotInput{QuorumPercent: 50})
	for who, c := range map[string]string{
		"merchant1@example.org": "reject", "merchant2@example.org": "reject", "merchant3@example.org": "approve",
		"startup1@example.org": "approve", "startup2@example.org": "approve",
		"consumer1@example.org": "approve", "consumer2@example.org": "approve", "consumer3@example.org": "approve",
	} {
		if _, err := e.vote(who, b, c); err != nil {
			t.Fatal(err)
		}
	}
	closed, err := e.st.CloseBallot(ctx, e.sec, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if closed.Result != models.ResultRejected {
		t.Fatalf("6 of 8 approve but the merchants reject: result %s", closed.Result)
	}
	ver, _ := e.st.VersionByID(ctx, e.version.ID)
	if ver.Status != models.StatusRejected {
		t.Errorf("version status %s", ver.Status)
	}
}

func TestConcurrentVotesFromOneMemberLeaveOneVote(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			e := newBallotEnv(t, d)
			ctx := context.Background()
			b := e.open(t, models.BallotInput{})
			choices := []string{"approve", "reject", "abstain"}
			var wg sync.WaitGroup
			errs := make(chan error, 200)
			for i := 0; i < 200; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					_, err := e.vote("consumer3@example.org", b, choices[i%3])
					errs <- err
				}(i)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			all, _ := e.st.Votes(ctx, b.ID)
			if len(all) != 1 {
				t.Fatalf("%d vote rows after 200 concurrent votes, want 1", len(all))
			}
			evs, _ := e.st.AuditEvents(ctx, models.AuditFilter{Action: "ballot.vote", ObjectID: b.ID, Limit: 500})
			if len(evs) != 200 {
				t.Fatalf("%d vote events, want 200", len(evs))
			}
		})
	}
}

func TestBallotClosesItselfExactlyOnce(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			e := newBallotEnv(t, d)
			ctx := context.Background()
			b := e.open(t, models.BallotInput{ClosesAt: e.clk.Now().Add(time.Hour)})
			if _, err := e.vote("startup1@example.org", b, "approve"); err != nil {
				t.Fatal(err)
			}
			e.clk.Add(2 * time.Hour)
			// A vote after the deadline is refused and closes the ballot.
			if _, err := e.vote("startup2@example.org", b, "approve"); kindOf(err) != models.KindConflict {
				t.Fatalf("vote after the deadline: %v", err)
			}
			// Several instances' timers race to close what is due: one wins.
			var wg sync.WaitGroup
			for i := 0; i < 6; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := e.st.CloseDue(ctx); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			got, _ := e.st.RefreshBallot(ctx, b.ID)
			if got.Status != models.BallotClosed || got.ClosedBy != nil {
				t.Fatalf("after the deadline: %+v", got)
			}
			evs, _ := e.st.AuditEvents(ctx, models.AuditFilter{Action: "ballot.close", ObjectID: b.ID})
			if len(evs) != 1 {
				t.Fatalf("%d close events, want exactly 1", len(evs))
			}
		})
	}
}

func TestChoiceBallot(t *testing.T) {
	e := newBallotEnv(t, models.SQLite)
	ctx := context.Background()
	// A second published version of the same document (the first stays
	// superseded but is still a valid option).
	d2, _ := e.st.CreateDraft(ctx, e.sec, e.version.DocumentID, models.VersionInput{Summary: "제2판"}, &e.version.ID)
	v2, err := e.st.Publish(ctx, e.sec, d2.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.st.OpenBallot(ctx, e.sec, v2.ID, models.BallotInput{Question: "어느 판을?", ClosesAt: e.clk.Now().Add(time.Hour), Options: []int64{e.version.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if b.Kind != models.BallotChoice || len(b.Options) != 2 {
		t.Fatalf("choice ballot %+v", b)
	}
	pick := func(who string, vid int64) {
		u := e.users[who]
		if _, err := e.st.CastVote(ctx, models.ActorFor(u, "", ""), u, b.ID, models.VoteInput{Choice: models.ChoicePick, OptionID: &vid}); err != nil {
			t.Fatalf("%s: %v", who, err)
		}
	}
	for _, who := range []string{"merchant1@example.org", "merchant2@example.org", "startup1@example.org", "consumer1@example.org", "consumer2@example.org"} {
		pick(who, v2.ID)
	}
	bad := int64(999999)
	u := e.users["merchant3@example.org"]
	if _, err := e.st.CastVote(ctx, models.ActorFor(u, "", ""), u, b.ID, models.VoteInput{Choice: models.ChoicePick, OptionID: &bad}); kindOf(err) != models.KindInvalid {
		t.Errorf("pick outside the options: %v", err)
	}
	closed, err := e.st.CloseBallot(ctx, e.sec, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if closed.Result != models.ResultAdopted || closed.ResultVersionID == nil || *closed.ResultVersionID != v2.ID {
		t.Fatalf("choice result %+v", closed)
	}
	v1, _ := e.st.VersionByID(ctx, e.version.ID)
	if v1.Status != models.StatusRejected {
		t.Errorf("losing option status %s", v1.Status)
	}
}
