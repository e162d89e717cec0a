package ballotrule

import "testing"

func g(key string, eligible, approve, reject, abstain int) Group {
	return Group{Key: key, Eligible: eligible, Approve: approve, Reject: reject, Abstain: abstain}
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name     string
		rule     string
		quorum   int
		groups   []Group
		adopted  bool
		quorumOK bool
	}{
		{"every group approves", MajorityEachGroup, 50, []Group{g("m", 3, 2, 1, 0), g("s", 2, 2, 0, 0), g("c", 3, 2, 0, 1)}, true, true},
		{"one group rejects: not adopted though the total approves", MajorityEachGroup, 50, []Group{g("m", 3, 1, 2, 0), g("s", 2, 2, 0, 0), g("c", 3, 3, 0, 0)}, false, true},
		{"same counts under simple majority: adopted", SimpleMajority, 50, []Group{g("m", 3, 1, 2, 0), g("s", 2, 2, 0, 0), g("c", 3, 3, 0, 0)}, true, true},
		{"tie in one group is not a majority", MajorityEachGroup, 50, []Group{g("m", 4, 2, 2, 0), g("s", 2, 2, 0, 0)}, false, true},
		{"overall tie is not a majority", SimpleMajority, 0, []Group{g("m", 4, 2, 2, 0)}, false, true},
		{"quorum missed in one group", MajorityEachGroup, 60, []Group{g("m", 5, 2, 0, 0), g("s", 2, 2, 0, 0)}, false, false},
		{"quorum met exactly (3 of 5 at 60%)", MajorityEachGroup, 60, []Group{g("m", 5, 3, 0, 0), g("s", 2, 2, 0, 0)}, true, true},
		{"abstentions count for quorum but not for approval", MajorityEachGroup, 50, []Group{g("m", 4, 1, 0, 3)}, true, true},
		{"all abstain", MajorityEachGroup, 50, []Group{g("m", 3, 0, 0, 3), g("s", 2, 0, 0, 2)}, false, true},
		{"all abstain, simple majority", SimpleMajority, 50, []Group{g("m", 3, 0, 0, 3)}, false, true},
		{"group with no eligible members does not block", MajorityEachGroup, 50, []Group{g("m", 3, 3, 0, 0), g("empty", 0, 0, 0, 0)}, true, true},
		{"no group can take part", MajorityEachGroup, 0, []Group{g("empty", 0, 0, 0, 0)}, false, false},
		{"nobody voted, quorum 0", MajorityEachGroup, 0, []Group{g("m", 3, 0, 0, 0)}, false, true},
		{"two thirds reached (2 of 3)", TwoThirds, 50, []Group{g("m", 3, 2, 1, 0)}, true, true},
		{"two thirds missed (3 of 5)", TwoThirds, 50, []Group{g("m", 5, 3, 2, 0)}, false, true},
		{"two thirds ignores abstentions", TwoThirds, 50, []Group{g("m", 6, 2, 1, 3)}, true, true},
		{"two thirds with overall quorum missed", TwoThirds, 80, []Group{g("m", 10, 7, 0, 0)}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Decide(tt.rule, tt.quorum, tt.groups)
			if err != nil {
				t.Fatal(err)
			}
			if r.Adopted != tt.adopted || r.QuorumMet != tt.quorumOK {
				t.Fatalf("adopted=%v quorum=%v, want adopted=%v quorum=%v (%+v)", r.Adopted, r.QuorumMet, tt.adopted, tt.quorumOK, r.Groups)
			}
		})
	}
}

func TestDecideGroupDetails(t *testing.T) {
	r, err := Decide(MajorityEachGroup, 50, []Group{g("merchant", 3, 1, 2, 0), g("startup", 2, 1, 0, 0), g("expertless", 0, 0, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	m, s, e := r.Groups[0], r.Groups[1], r.Groups[2]
	if m.Approved || !m.QuorumMet || m.TurnoutPercent != 100 {
		t.Errorf("merchant %+v", m)
	}
	if !s.Approved || s.TurnoutPercent != 50 {
		t.Errorf("startup %+v", s)
	}
	if e.TakesPart || e.Approved {
		t.Errorf("empty group %+v", e)
	}
	if r.Approve != 2 || r.Reject != 2 || r.Eligible != 5 {
		t.Errorf("totals %+v", r)
	}
}

func TestDecideRejectsBadInput(t *testing.T) {
	if _, err := Decide("plurality", 50, nil); err == nil {
		t.Error("unknown rule accepted")
	}
	if _, err := Decide(SimpleMajority, 101, nil); err == nil {
		t.Error("quorum 101 accepted")
	}
	if _, err := Decide(SimpleMajority, 50, []Group{g("m", 1, 2, 0, 0)}); err == nil {
		t.Error("more votes than eligible accepted")
	}
}

func cg(key string, eligible, abstain int, picks map[int64]int) ChoiceGroup {
	return ChoiceGroup{Key: key, Eligible: eligible, Abstain: abstain, Picks: picks}
}

func TestDecideChoice(t *testing.T) {
	opts := []int64{10, 20}
	tests := []struct {
		name   string
		rule   string
		groups []ChoiceGroup
		winner int64
	}{
		{"every group prefers 20", MajorityEachGroup, []ChoiceGroup{cg("m", 3, 0, map[int64]int{20: 2, 10: 1}), cg("c", 2, 0, map[int64]int{20: 2})}, 20},
		{"groups disagree", MajorityEachGroup, []ChoiceGroup{cg("m", 3, 0, map[int64]int{20: 3}), cg("c", 2, 0, map[int64]int{10: 2})}, 0},
		{"groups disagree, simple majority of all picks", SimpleMajority, []ChoiceGroup{cg("m", 3, 0, map[int64]int{20: 3}), cg("c", 2, 0, map[int64]int{10: 2})}, 20},
		{"tie within a group", MajorityEachGroup, []ChoiceGroup{cg("m", 2, 0, map[int64]int{20: 1, 10: 1}), cg("c", 2, 0, map[int64]int{20: 2})}, 0},
		{"overall tie", SimpleMajority, []ChoiceGroup{cg("m", 4, 0, map[int64]int{20: 2, 10: 2})}, 0},
		{"two thirds reached", TwoThirds, []ChoiceGroup{cg("m", 6, 1, map[int64]int{20: 4, 10: 1})}, 20},
		{"two thirds missed", TwoThirds, []ChoiceGroup{cg("m", 6, 0, map[int64]int{20: 3, 10: 2})}, 0},
		{"all abstain", SimpleMajority, []ChoiceGroup{cg("m", 3, 3, nil)}, 0},
		{"empty group does not block", MajorityEachGroup, []ChoiceGroup{cg("m", 3, 0, map[int64]int{10: 2}), cg("x", 0, 0, nil)}, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := DecideChoice(tt.rule, 50, opts, tt.groups)
			if err != nil {
				t.Fatal(err)
			}
			if r.Winner != tt.winner {
				t.Fatalf("winner %d, want %d (%+v)", r.Winner, tt.winner, r.Groups)
			}
		})
	}
	if _, err := DecideChoice(SimpleMajority, 50, []int64{10}, nil); err == nil {
		t.Error("one option accepted")
	}
	if _, err := DecideChoice(SimpleMajority, 50, opts, []ChoiceGroup{cg("m", 3, 0, map[int64]int{30: 1})}); err == nil {
		t.Error("a pick outside the options accepted")
	}
}
