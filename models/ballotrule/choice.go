package ballotrule

import (
	"fmt"
	"slices"
)

// ChoiceGroup is a group's count in a ballot that chooses among versions:
// each member picks one option or abstains.
type ChoiceGroup struct {
	Key      string
	Eligible int
	Picks    map[int64]int // option (version id) → members who picked it
	Abstain  int
}

// Voted is how many eligible members cast any vote.
func (g ChoiceGroup) Voted() int {
	n := g.Abstain
	for _, c := range g.Picks {
		n += c
	}
	return n
}

// ChoiceGroupResult is one group's outcome: its favourite (a strict
// plurality of picks; none on a tie or without quorum).
type ChoiceGroupResult struct {
	ChoiceGroup
	TurnoutPercent float64
	QuorumMet      bool
	Favourite      int64 // 0 = none
	TakesPart      bool
}

// ChoiceResult is what a choice ballot decided: the winning option, or 0.
type ChoiceResult struct {
	Rule      string
	Winner    int64
	Groups    []ChoiceGroupResult
	Totals    map[int64]int
	Abstain   int
	Eligible  int
	QuorumMet bool
}

// plurality is the option with strictly the most picks, or 0.
func plurality(picks map[int64]int, options []int64) int64 {
	best, bestN, tie := int64(0), 0, false
	for _, o := range options {
		switch n := picks[o]; {
		case n > bestN:
			best, bestN, tie = o, n, false
		case n == bestN && n > 0:
			tie = true
		}
	}
	if tie || bestN == 0 {
		return 0
	}
	return best
}

// DecideChoice applies rule to a choice among options:
//   - majority_each_group: an option wins when it is the favourite of every
//     taking-part group, each with its quorum;
//   - simple_majority: an option wins with more than half of all picks
//     (abstentions aside) and the overall quorum;
//   - two_thirds: an option wins with at least two thirds of all picks.
func DecideChoice(rule string, quorumPercent int, options []int64, groups []ChoiceGroup) (ChoiceResult, error) {
	if err := Validate(rule, quorumPercent); err != nil {
		return ChoiceResult{}, err
	}
	if len(options) < 2 {
		return ChoiceResult{}, fmt.Errorf("a choice needs at least two options, got %d", len(options))
	}
	r := ChoiceResult{Rule: rule, Totals: map[int64]int{}}
	taking := 0
	common, allQuorums := int64(-1), true
	for _, g := range groups {
		for o := range g.Picks {
			if !slices.Contains(options, o) {
				return ChoiceResult{}, fmt.Errorf("group %s picked %d, which is not an option", g.Key, o)
			}
		}
		if g.Voted() > g.Eligible {
			return ChoiceResult{}, fmt.Errorf("group %s has %d votes but only %d eligible members", g.Key, g.Voted(), g.Eligible)
		}
		gr := ChoiceGroupResult{ChoiceGroup: g, TakesPart: g.Eligible > 0, TurnoutPercent: turnout(g.Voted(), g.Eligible)}
		gr.QuorumMet = quorumMet(g.Voted(), g.Eligible, quorumPercent)
		if gr.QuorumMet {
			gr.Favourite = plurality(g.Picks, options)
		}
		if gr.TakesPart {
			taking++
			allQuorums = allQuorums && gr.QuorumMet
			switch {
			case common == -1:
				common = gr.Favourite
			case common != gr.Favourite:
				common = 0
			}
		}
		for o, n := range g.Picks {
			r.Totals[o] += n
		}
		r.Abstain += g.Abstain
		r.Eligible += g.Eligible
		r.Groups = append(r.Groups, gr)
	}
	picks := 0
	for _, n := range r.Totals {
		picks += n
	}
	switch rule {
	case MajorityEachGroup:
		r.QuorumMet = taking > 0 && allQuorums
		if taking > 0 && common > 0 {
			r.Winner = common
		}
	default:
		r.QuorumMet = quorumMet(picks+r.Abstain, r.Eligible, quorumPercent)
		if !r.QuorumMet {
			break
		}
		top := plurality(r.Totals, options)
		if top == 0 {
			break
		}
		n := r.Totals[top]
		if (rule == SimpleMajority && n*2 > picks) || (rule == TwoThirds && n*3 >= 2*picks) {
			r.Winner = top
		}
	}
	return r, nil
}
