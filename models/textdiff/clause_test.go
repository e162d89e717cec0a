package textdiff_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"roundtable/models/textdiff"
)

func cl(key string) textdiff.Clause {
	return textdiff.Clause{Key: key, Title: "제목 " + key, Body: "조항 " + key + "의 본문이다."}
}

// outline renders a diff as "key:change" pairs so order and kinds can be
// compared in one readable assertion.
func outline(diffs []textdiff.ClauseDiff) string {
	parts := make([]string, len(diffs))
	for i, d := range diffs {
		parts[i] = d.Key + ":" + d.Change
	}
	return strings.Join(parts, " ")
}

func TestClausesOrder(t *testing.T) {
	modified := cl("2")
	modified.Body = "조항 2의 본문을 바꿨다."
	retitled := cl("3")
	retitled.Title = "새 제목"

	tests := []struct {
		name         string
		base, target []textdiff.Clause
		want         string
	}{
		{"both empty", nil, nil, ""},
		{"identical", []textdiff.Clause{cl("1"), cl("2")}, []textdiff.Clause{cl("1"), cl("2")}, "1:unchanged 2:unchanged"},
		{"all added", nil, []textdiff.Clause{cl("1"), cl("2")}, "1:added 2:added"},
		{"all removed keep base order", []textdiff.Clause{cl("1"), cl("2")}, nil, "1:removed 2:removed"},
		{"body change", []textdiff.Clause{cl("1"), cl("2")}, []textdiff.Clause{cl("1"), modified}, "1:unchanged 2:modified"},
		{"title change alone modifies", []textdiff.Clause{cl("3")}, []textdiff.Clause{retitled}, "3:modified"},
		{"added at start", []textdiff.Clause{cl("1")}, []textdiff.Clause{cl("0"), cl("1")}, "0:added 1:unchanged"},
		{"added in middle", []textdiff.Clause{cl("1"), cl("2")}, []textdiff.Clause{cl("1"), cl("1.1"), cl("2")}, "1:unchanged 1.1:added 2:unchanged"},
		{"removed in middle stays in place", []textdiff.Clause{cl("1"), cl("2"), cl("3")}, []textdiff.Clause{cl("1"), cl("3")}, "1:unchanged 2:removed 3:unchanged"},
		{"removed first opens the list", []textdiff.Clause{cl("1"), cl("2")}, []textdiff.Clause{cl("2")}, "1:removed 2:unchanged"},
		{"consecutive removals keep base order", []textdiff.Clause{cl("1"), cl("2"), cl("3"), cl("4")}, []textdiff.Clause{cl("1"), cl("4")}, "1:unchanged 2:removed 3:removed 4:unchanged"},
		{"reorder follows target", []textdiff.Clause{cl("1"), cl("2"), cl("3")}, []textdiff.Clause{cl("3"), cl("1"), cl("2")}, "3:unchanged 1:unchanged 2:unchanged"},
		{
			"removals follow their base predecessor after a reorder",
			[]textdiff.Clause{cl("1"), cl("2"), cl("3"), cl("4")},
			[]textdiff.Clause{cl("3"), cl("1")},
			"3:unchanged 4:removed 1:unchanged 2:removed",
		},
		{
			// The removed clause sits directly after its base predecessor,
			// ahead of a clause added at the same spot.
			"added removed and replaced together",
			[]textdiff.Clause{cl("1"), cl("2"), cl("3")},
			[]textdiff.Clause{cl("1"), cl("2.1"), cl("3"), cl("4")},
			"1:unchanged 2:removed 2.1:added 3:unchanged 4:added",
		},
		{
			"duplicate keys pair by occurrence",
			[]textdiff.Clause{{Key: "가", Body: "첫째"}, {Key: "가", Body: "둘째"}},
			[]textdiff.Clause{{Key: "가", Body: "둘째"}},
			"가:modified 가:removed",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := textdiff.Clauses(tt.base, tt.target)
			if got == nil {
				t.Fatal("Clauses returned nil; want a non-nil slice so JSON gets []")
			}
			if o := outline(got); o != tt.want {
				t.Errorf("order = %q, want %q", o, tt.want)
			}
		})
	}
}

func TestClausesContent(t *testing.T) {
	base := []textdiff.Clause{
		{Key: "1", Title: "목적", Body: "이 기준은 2022.10.15 장애 피해 지원을 정한다."},
		{Key: "2.1", Title: "소상공인", Body: "30만 원 이하 매출 손실 소상공인에게 3만 원을 지원한다."},
		{Key: "3", Title: "폐지 조항", Body: "유료 서비스는 별도로 정한다."},
	}
	target := []textdiff.Clause{
		{Key: "1", Title: "목적", Body: "이 기준은 2022.10.15 장애 피해 지원을 정한다."},
		{Key: "2.1", Title: "소상공인 지원", Body: "50만 원 이하 매출 손실 소상공인에게 5만 원을 지원한다."},
		{Key: "4", Title: "신설", Body: "모든 이용자에게 이모티콘을 제공한다."},
	}
	want := []textdiff.ClauseDiff{
		{
			Key: "1", Change: textdiff.ChangeUnchanged, Title: "목적", BeforeTitle: "목적",
			Before: base[0].Body, After: target[0].Body,
			Segments:      []textdiff.Segment{eq(base[0].Body)},
			TitleSegments: []textdiff.Segment{eq("목적")},
		},
		{
			Key: "2.1", Change: textdiff.ChangeModified, Title: "소상공인 지원", BeforeTitle: "소상공인",
			Before: base[1].Body, After: target[1].Body,
			Segments: []textdiff.Segment{
				del("30만"), ins("50만"), eq(" 원 이하 매출 손실 소상공인에게 "),
				del("3만"), ins("5만"), eq(" 원을 지원한다."),
			},
			TitleSegments: []textdiff.Segment{eq("소상공인"), ins(" 지원")},
		},
		{
			Key: "3", Change: textdiff.ChangeRemoved, Title: "폐지 조항", BeforeTitle: "폐지 조항",
			Before: base[2].Body, After: "",
			Segments:      []textdiff.Segment{del(base[2].Body)},
			TitleSegments: []textdiff.Segment{del("폐지 조항")},
		},
		{
			Key: "4", Change: textdiff.ChangeAdded, Title: "신설", BeforeTitle: "",
			Before: "", After: target[2].Body,
			Segments:      []textdiff.Segment{ins(target[2].Body)},
			TitleSegments: []textdiff.Segment{ins("신설")},
		},
	}
	got := textdiff.Clauses(base, target)
	if len(got) != len(want) {
		t.Fatalf("got %d diffs (%s), want %d", len(got), outline(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Key != w.Key || g.Change != w.Change || g.Title != w.Title || g.BeforeTitle != w.BeforeTitle ||
			g.Before != w.Before || g.After != w.After {
			t.Errorf("diff %d = %+v\nwant %+v", i, g, w)
		}
		if !slices.Equal(g.Segments, w.Segments) {
			t.Errorf("diff %d segments = %q, want %q", i, g.Segments, w.Segments)
		}
		if !slices.Equal(g.TitleSegments, w.TitleSegments) {
			t.Errorf("diff %d title segments = %q, want %q", i, g.TitleSegments, w.TitleSegments)
		}
	}
}

// TestClauseDiffJSON pins the field names promised by the diff endpoint in
// api-v1.md, so a renamed struct field cannot silently break clients.
func TestClauseDiffJSON(t *testing.T) {
	diffs := textdiff.Clauses(nil, []textdiff.Clause{{Key: "1", Title: "", Body: ""}})
	raw, err := json.Marshal(diffs)
	if err != nil {
		t.Fatalf("marshal clause diffs: %v", err)
	}
	var decoded []map[string]any
	if err := json.Unmarshal(raw, &decoded); err != nil {
		t.Fatalf("unmarshal %s: %v", raw, err)
	}
	if len(decoded) != 1 {
		t.Fatalf("decoded %d clauses from %s, want 1", len(decoded), raw)
	}
	for _, field := range []string{"key", "change", "title", "before", "after", "segments"} {
		if _, ok := decoded[0][field]; !ok {
			t.Errorf("field %q missing from %s", field, raw)
		}
	}
	if segs, ok := decoded[0]["segments"].([]any); !ok || len(segs) != 0 {
		t.Errorf("segments of an empty clause = %v, want []", decoded[0]["segments"])
	}

	raw, err = json.Marshal(del("3만"))
	if err != nil {
		t.Fatalf("marshal segment: %v", err)
	}
	if want := `{"op":"delete","text":"3만"}`; string(raw) != want {
		t.Errorf("segment JSON = %s, want %s", raw, want)
	}
}

func TestStats(t *testing.T) {
	tests := []struct {
		name        string
		diffs       []textdiff.ClauseDiff
		want        textdiff.Counts
		wantChanged int
	}{
		{"none", nil, textdiff.Counts{}, 0},
		{
			name: "one of each plus repeats",
			diffs: []textdiff.ClauseDiff{
				{Change: textdiff.ChangeAdded}, {Change: textdiff.ChangeRemoved},
				{Change: textdiff.ChangeModified}, {Change: textdiff.ChangeModified},
				{Change: textdiff.ChangeUnchanged}, {Change: textdiff.ChangeUnchanged}, {Change: textdiff.ChangeUnchanged},
			},
			want:        textdiff.Counts{Added: 1, Removed: 1, Modified: 2, Unchanged: 3},
			wantChanged: 4,
		},
		{
			name: "from Clauses",
			diffs: textdiff.Clauses(
				[]textdiff.Clause{cl("1"), cl("2"), cl("3")},
				[]textdiff.Clause{cl("1"), {Key: "3", Title: "바뀐 제목"}, cl("4"), cl("5")},
			),
			want:        textdiff.Counts{Added: 2, Removed: 1, Modified: 1, Unchanged: 1},
			wantChanged: 4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := textdiff.Stats(tt.diffs)
			if got != tt.want {
				t.Errorf("Stats = %+v, want %+v", got, tt.want)
			}
			if got.Changed() != tt.wantChanged {
				t.Errorf("Changed() = %d, want %d", got.Changed(), tt.wantChanged)
			}
		})
	}
}
