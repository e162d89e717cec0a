package textdiff

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// pieces are drawn from what council texts contain, plus the awkward cases:
// CRLF, stray invalid bytes, Han characters, emoji.
var propertyPieces = []string{
	"소상공인에게", "지원한다", "원을", "원", "이하", "초과", "매출", "손실", "이용자", "카카오톡",
	"30만", "3만", "50만", "₩300,000", "₩50,000", "2022.10.15", "15:30", "30%", "제2조", "2.1항",
	"KakaoTalk", "Daum", "free", "users", "API를",
	" ", " ", " ", "  ", "\t", "\n", "\r\n", "\n\n",
	".", ",", "(", ")", "~", "-", "·", "₩", "'",
	"\xff", "\xe1\x84", "損害", "👍", "\uFFFD",
}

func randomText(rng *rand.Rand, maxPieces int) string {
	var b strings.Builder
	for range rng.IntN(maxPieces + 1) {
		b.WriteString(propertyPieces[rng.IntN(len(propertyPieces))])
	}
	return b.String()
}

// mutate edits a text the way revisions do: replace, insert or drop pieces,
// sometimes splitting inside a word, so that after shares most of before.
func mutate(rng *rand.Rand, s string) string {
	for range rng.IntN(4) + 1 {
		at := rng.IntN(len(s) + 1)
		end := min(len(s), at+rng.IntN(12))
		switch rng.IntN(3) {
		case 0:
			s = s[:at] + randomText(rng, 3) + s[at:]
		case 1:
			s = s[:at] + s[end:]
		default:
			s = s[:at] + randomText(rng, 3) + s[end:]
		}
	}
	return s
}

func TestWordsProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(2022, 1015))
	for range 3000 {
		before := randomText(rng, 40)
		after := mutate(rng, before)
		checkWords(t, before, after)
		checkWords(t, after, before)
	}
}

func TestWordsTrivialShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for range 300 {
		s := randomText(rng, 20)
		if s == "" {
			continue
		}
		tests := []struct {
			before, after string
			want          []Segment
		}{
			{s, s, []Segment{{OpEqual, s}}},
			{"", s, []Segment{{OpInsert, s}}},
			{s, "", []Segment{{OpDelete, s}}},
		}
		for _, tt := range tests {
			if got := Words(tt.before, tt.after); !slices.Equal(got, tt.want) {
				t.Fatalf("Words(%q, %q) = %q, want %q", tt.before, tt.after, got, tt.want)
			}
		}
	}
}

// TestDiffTokensFallback reaches the path taken when tokens outnumber the
// runes available as symbols, which real input would need ~1.1M distinct
// words to hit.
func TestDiffTokensFallback(t *testing.T) {
	tests := []struct {
		name          string
		before, after string
		limit         int
		want          []Segment
	}{
		{
			name:   "shared head and tail survive",
			before: "가 나 다 라", after: "가 마 바 라",
			limit: 3,
			want:  []Segment{{OpEqual, "가 "}, {OpDelete, "나 다"}, {OpInsert, "마 바"}, {OpEqual, " 라"}},
		},
		{
			name:   "nothing shared",
			before: "가 나", after: "다 라",
			limit: 1,
			want:  []Segment{{OpDelete, "가 나"}, {OpInsert, "다 라"}},
		},
		{
			name:   "pure insertion",
			before: "가 다", after: "가 나 다",
			limit: 2,
			want:  []Segment{{OpEqual, "가 "}, {OpInsert, "나 "}, {OpEqual, "다"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(diffTokens(tokenize(tt.before), tokenize(tt.after), tt.limit))
			if !slices.Equal(got, tt.want) {
				t.Errorf("fallback diff = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSymbolsSkipSurrogates(t *testing.T) {
	for _, i := range []int{0, 0xD7FF, 0xD800, 0xE000, symbolCapacity - 1} {
		r := symbolFor(i)
		if r >= 0xD800 && r <= 0xDFFF || r > 0x10FFFF {
			t.Errorf("symbolFor(%#x) = %#x, not a scalar value", i, r)
		}
		if got := symbolIndex(r); got != i {
			t.Errorf("symbolIndex(symbolFor(%#x)) = %#x", i, got)
		}
		if got := []rune(string(r)); len(got) != 1 || got[0] != r {
			t.Errorf("symbol %#x does not survive a string round trip: %q", r, got)
		}
	}
}
