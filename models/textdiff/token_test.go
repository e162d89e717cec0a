package textdiff

import (
	"slices"
	"testing"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", []string{}},
		{"eojeol keeps particles", "소상공인에게 지원한다", []string{"소상공인에게", " ", "지원한다"}},
		{"number with Korean unit", "30만 원", []string{"30만", " ", "원"}},
		{"unit and particle glued", "3만원을", []string{"3만원을"}},
		{"thousands separators", "300,000원", []string{"300,000원"}},
		{"won sign", "₩50,000 이하", []string{"₩50,000", " ", "이하"}},
		{"won sign alone", "₩ 5", []string{"₩", " ", "5"}},
		{"dollar sign", "$5.50", []string{"$5.50"}},
		{"dotted date then period", "2022.10.15.", []string{"2022.10.15", "."}},
		{"dashed date", "2022-10-15", []string{"2022-10-15"}},
		{"time", "15:30경", []string{"15:30경"}},
		{"percent", "30%를", []string{"30%를"}},
		{"clause reference", "제2조의2 제1항", []string{"제2조의2", " ", "제1항"}},
		{"decimal clause key", "2.1항", []string{"2.1항"}},
		{"comma between words", "가, 나", []string{"가", ",", " ", "나"}},
		{"comma after number", "1,000, 2,000", []string{"1,000", ",", " ", "2,000"}},
		{"range", "30만~50만", []string{"30만", "~", "50만"}},
		{"brackets", "(가)", []string{"(", "가", ")"}},
		{"latin words", "KakaoTalk users", []string{"KakaoTalk", " ", "users"}},
		{"latin glued to particle", "API를", []string{"API를"}},
		{"apostrophe inside word", "don't", []string{"don't"}},
		{"apostrophe as quote", "'가'", []string{"'", "가", "'"}},
		{"circled number", "① 항", []string{"①", " ", "항"}},
		{"space run", "가 \t 나", []string{"가", " \t ", "나"}},
		{"line breaks separate", "가\n\n나", []string{"가", "\n", "\n", "나"}},
		{"crlf is one break", "가\r\n나\r다", []string{"가", "\r\n", "나", "\r", "다"}},
		{"space before break", "가 \n 나", []string{"가", " ", "\n", " ", "나"}},
		{"han one per char", "損害賠償", []string{"損", "害", "賠", "償"}},
		{"kana one per char", "カナ", []string{"カ", "ナ"}},
		{"invalid bytes alone", "가\xff\xfe나", []string{"가", "\xff", "\xfe", "나"}},
		{"invalid byte ends number", "30\xff만", []string{"30", "\xff", "만"}},
		{"truncated hangul", "가\xea\xb0", []string{"가", "\xea", "\xb0"}},
		{"valid replacement char", "\uFFFD가", []string{"\uFFFD", "가"}},
		{"emoji", "👍좋아요", []string{"👍", "좋아요"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := []string{}
			for _, tok := range tokenize(tt.in) {
				got = append(got, tok.text)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("tokenize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTokenClasses(t *testing.T) {
	tests := []struct {
		in   string
		want tokenClass
	}{
		{"소상공인에게", classWord},
		{"₩300,000", classWord},
		{"₩", classPunct},
		{" \t", classSpace},
		{"\r\n", classLineBreak},
		{".", classPunct},
		{"\xff", classInvalid},
		{"損", classWord},
	}
	for _, tt := range tests {
		toks := tokenize(tt.in)
		if len(toks) != 1 {
			t.Fatalf("tokenize(%q) = %d tokens, want 1", tt.in, len(toks))
		}
		if toks[0].class != tt.want {
			t.Errorf("class of %q = %d, want %d", tt.in, toks[0].class, tt.want)
		}
	}
}
