// Package ballotrule decides ballots. It is pure: given each stakeholder
// group's eligible members and votes, it says whether each group met its
// quorum and approved, and what the ballot decided under its rule.
//
// The council's default rule, majority_each_group, exists so that no group
// is outvoted by size: the largest group cannot carry a decision the others
// reject, and a small group's "no" counts as much as a large group's.
//
// Decisions on edge cases, chosen to make a decision hard to carry by
// accident:
//   - a tie is not a majority (approve must exceed reject);
//   - abstentions count towards turnout (the member took part) but neither
//     for nor against;
//   - a group with no eligible members does not take part: it cannot block,
//     and it cannot approve; if no group can take part, nothing is adopted;
//   - quorum is a percentage of eligible members who voted (abstaining
//     counts as voting); quorum 0 means any turnout, even none, but a
//     decision still needs more approvals than rejections.
package ballotrule

import (
	"fmt"
	"slices"
)

// Rules.
const (
	MajorityEachGroup = "majority_each_group"
	SimpleMajority    = "simple_majority"
	TwoThirds         = "two_thirds"
)

// Rules lists the rules in the order forms offer them.
var Rules = []string{MajorityEachGroup, SimpleMajority, TwoThirds}

// Choices of an approval ballot.
const (
	Approve = "approve"
	Reject  = "reject"
	Abstain = "abstain"
)

// Group is one voting group's count at closing (or now, for a running tally).
type Group struct {
	Key                      string
	Eligible                 int
	Approve, Reject, Abstain int
}

// Voted is how many eligible members cast any vote.
func (g Group) Voted() int { return g.Approve + g.Reject + g.Abstain }

// GroupResult is a group's outcome.
type GroupResult struct {
	Group
	TurnoutPercent float64
	QuorumMet      bool
	Approved       bool
	TakesPart      bool
}

// Result is what the ballot decided.
type Result struct {
	Rule     string
	Adopted  bool
	Groups   []GroupResult
	Approve  int // totals across groups
	Reject   int
	Abstain  int
	Eligible int
	// QuorumMet is the overall quorum for the council-wide rules; for
	// majority_each_group it is true when every taking-part group met its own.
	QuorumMet bool
}

// Validate checks a rule and a quorum.
func Validate(rule string, quorumPercent int) error {
	if !slices.Contains(Rules, rule) {
		return fmt.Errorf("unknown rule %q", rule)
	}
	if quorumPercent < 0 || quorumPercent > 100 {
		return fmt.Errorf("quorum %d%% is outside 0–100", quorumPercent)
	}
	return nil
}

func quorumMet(voted, eligible, quorumPercent int) bool {
	// Integer arithmetic: 2 of 3 meets a 66% quorum but not a 67% one.
	return eligible > 0 && voted*100 >= quorumPercent*eligible
}

func turnout(voted, eligible int) float64 {
	if eligible == 0 {
		return 0
	}
	return float64(voted) * 100 / float64(eligible)
}

// Decide applies rule to the groups' counts.
func Decide(rule string, quorumPercent int, groups []Group) (Result, error) {
	if err := Validate(rule, quorumPercent); err != nil {
		return Result{}, err
	}
	r := Result{Rule: rule}
	taking := 0
	allGroupsApprove, allQuorums := true, true
	for _, g := range groups {
		if g.Voted() > g.Eligible {
			return Result{}, fmt.Errorf("group %s has %d votes but only %d eligible members", g.Key, g.Voted(), g.Eligible)
		}
		gr := GroupResult{Group: g, TakesPart: g.Eligible > 0, TurnoutPercent: turnout(g.Voted(), g.Eligible)}
		gr.QuorumMet = quorumMet(g.Voted(), g.Eligible, quorumPercent)
		gr.Approved = gr.QuorumMet && g.Approve > g.Reject
		if gr.TakesPart {
			taking++
			allGroupsApprove = allGroupsApprove && gr.Approved
			allQuorums = allQuorums && gr.QuorumMet
		}
		r.Groups = append(r.Groups, gr)
		r.Approve += g.Approve
		r.Reject += g.Reject
		r.Abstain += g.Abstain
		r.Eligible += g.Eligible
	}
	switch rule {
	case MajorityEachGroup:
		r.QuorumMet = taking > 0 && allQuorums
		r.Adopted = taking > 0 && allGroupsApprove
	case SimpleMajority:
		r.QuorumMet = quorumMet(r.Approve+r.Reject+r.Abstain, r.Eligible, quorumPercent)
		r.Adopted = r.QuorumMet && r.Approve > r.Reject
	case TwoThirds:
		r.QuorumMet = quorumMet(r.Approve+r.Reject+r.Abstain, r.Eligible, quorumPercent)
		// Two thirds of the votes for or against; abstentions stand aside.
		r.Adopted = r.QuorumMet && r.Approve > 0 && r.Approve*3 >= 2*(r.Approve+r.Reject)
	}
	return r, nil
}
