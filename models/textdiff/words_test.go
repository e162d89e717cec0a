package textdiff_test

import (
	"slices"
	"testing"

	"roundtable/models/textdiff"
)

func eq(s string) textdiff.Segment  { return textdiff.Segment{Op: textdiff.OpEqual, Text: s} }
func ins(s string) textdiff.Segment { return textdiff.Segment{Op: textdiff.OpInsert, Text: s} }
func del(s string) textdiff.Segment { return textdiff.Segment{Op: textdiff.OpDelete, Text: s} }

func TestWords(t *testing.T) {
	tests := []struct {
		name          string
		before, after string
		want          []textdiff.Segment
	}{
		{
			name:   "amounts change as whole tokens",
			before: "30만 원 이하 매출 손실 소상공인에게 3만 원을 지원한다.",
			after:  "50만 원 이하 매출 손실 소상공인에게 5만 원을 지원한다.",
			want: []textdiff.Segment{
				del("30만"), ins("50만"),
				eq(" 원 이하 매출 손실 소상공인에게 "),
				del("3만"), ins("5만"),
				eq(" 원을 지원한다."),
			},
		},
		{
			name:   "hangul numeral word is not split into syllables",
			before: "삼만 원", after: "오만 원",
			want: []textdiff.Segment{del("삼만"), ins("오만"), eq(" 원")},
		},
		{
			name:   "won amounts with separators",
			before: "매출 손실 ₩300,000 초과 ₩500,000 이하",
			after:  "매출 손실 ₩300,000 초과 ₩1,000,000 이하",
			want: []textdiff.Segment{
				eq("매출 손실 ₩300,000 초과 "), del("₩500,000"), ins("₩1,000,000"), eq(" 이하"),
			},
		},
		{
			name:   "dates",
			before: "2022.10.15 장애 발생", after: "2022.10.16 장애 발생",
			want: []textdiff.Segment{del("2022.10.15"), ins("2022.10.16"), eq(" 장애 발생")},
		},
		{
			name:   "particle change replaces the eojeol",
			before: "소상공인에게 지급한다", after: "소상공인에 지급한다",
			want: []textdiff.Segment{del("소상공인에게"), ins("소상공인에"), eq(" 지급한다")},
		},
		{
			name:   "negation keeps the sentence-final period shared",
			before: "지원한다.", after: "지원하지 않는다.",
			want: []textdiff.Segment{del("지원한다"), ins("지원하지 않는다"), eq(".")},
		},
		{
			name:   "space between adjacent changes is folded in",
			before: "소상공인 3만 원", after: "중소기업 5만 원",
			want: []textdiff.Segment{del("소상공인 3만"), ins("중소기업 5만"), eq(" 원")},
		},
		{
			name:   "mostly rewritten phrase reads as one change",
			before: "A B C D E F", after: "P Q C R S T",
			want: []textdiff.Segment{del("A B C D E F"), ins("P Q C R S T")},
		},
		{
			name:   "insertion aligned to word boundaries",
			before: "피해 지원", after: "피해 보상 및 지원",
			want: []textdiff.Segment{eq("피해 "), ins("보상 및 "), eq("지원")},
		},
		{
			name:   "inserted list item comes out as a whole line",
			before: "- 소상공인\n- 스타트업",
			after:  "- 소상공인\n- 프리랜서\n- 스타트업",
			want:   []textdiff.Segment{eq("- 소상공인\n"), ins("- 프리랜서\n"), eq("- 스타트업")},
		},
		{
			name:   "inserted sentence keeps its trailing space",
			before: "A. B.", after: "A. C. B.",
			want: []textdiff.Segment{eq("A. "), ins("C. "), eq("B.")},
		},
		{
			name:   "deleted trailing sentence",
			before: "지원한다. 단, 중복 지급하지 않는다.", after: "지원한다.",
			want: []textdiff.Segment{eq("지원한다."), del(" 단, 중복 지급하지 않는다.")},
		},
		{
			name:   "mixed Korean and English",
			before: "KakaoTalk 무료 이용자에게 이모티콘을 제공한다.",
			after:  "KakaoTalk 및 Daum Mail 이용자에게 이모티콘을 제공한다.",
			want: []textdiff.Segment{
				eq("KakaoTalk "), del("무료"), ins("및 Daum Mail"), eq(" 이용자에게 이모티콘을 제공한다."),
			},
		},
		{
			name:   "English words",
			before: "free users receive a gift", after: "paid users receive a gift",
			want: []textdiff.Segment{del("free"), ins("paid"), eq(" users receive a gift")},
		},
		{
			name:   "line breaks preserved and inserted blank line visible",
			before: "제1항 내용\n제2항 내용",
			after:  "제1항 내용\n\n제2항 변경",
			want: []textdiff.Segment{
				eq("제1항 내용\n"), ins("\n"), eq("제2항 "), del("내용"), ins("변경"),
			},
		},
		{
			name:   "crlf kept byte for byte",
			before: "가\r\n나", after: "가\r\n다",
			want: []textdiff.Segment{eq("가\r\n"), del("나"), ins("다")},
		},
		{
			name:   "invalid UTF-8 kept verbatim",
			before: "a\xffb", after: "a\xfeb",
			want: []textdiff.Segment{eq("a"), del("\xff"), ins("\xfe"), eq("b")},
		},
		{
			name:   "identical",
			before: "제1조(목적) 이 기준은 피해 지원을 정한다.",
			after:  "제1조(목적) 이 기준은 피해 지원을 정한다.",
			want:   []textdiff.Segment{eq("제1조(목적) 이 기준은 피해 지원을 정한다.")},
		},
		{name: "both empty", before: "", after: "", want: []textdiff.Segment{}},
		{
			name: "empty before", before: "", after: "신규 조항",
			want: []textdiff.Segment{ins("신규 조항")},
		},
		{
			name: "empty after", before: "삭제 조항", after: "",
			want: []textdiff.Segment{del("삭제 조항")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := textdiff.Words(tt.before, tt.after)
			if got == nil {
				t.Fatal("Words returned nil; want a non-nil slice so JSON gets []")
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Words(%q, %q)\n got  %q\n want %q", tt.before, tt.after, got, tt.want)
			}
		})
	}
}

func TestSideBySide(t *testing.T) {
	tests := []struct {
		name        string
		in          []textdiff.Segment
		left, right []textdiff.Segment
	}{
		{"empty", nil, []textdiff.Segment{}, []textdiff.Segment{}},
		{
			name:  "replacement",
			in:    []textdiff.Segment{del("30만"), ins("50만"), eq(" 원")},
			left:  []textdiff.Segment{del("30만"), eq(" 원")},
			right: []textdiff.Segment{ins("50만"), eq(" 원")},
		},
		{
			name:  "equal runs merge when the change between them leaves",
			in:    []textdiff.Segment{eq("피해 "), ins("보상 및 "), eq("지원")},
			left:  []textdiff.Segment{eq("피해 지원")},
			right: []textdiff.Segment{eq("피해 "), ins("보상 및 "), eq("지원")},
		},
		{
			name:  "pure deletion",
			in:    []textdiff.Segment{del("삭제")},
			left:  []textdiff.Segment{del("삭제")},
			right: []textdiff.Segment{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			left, right := textdiff.SideBySide(tt.in)
			if !slices.Equal(left, tt.left) {
				t.Errorf("left = %q, want %q", left, tt.left)
			}
			if !slices.Equal(right, tt.right) {
				t.Errorf("right = %q, want %q", right, tt.right)
			}
			if left == nil || right == nil {
				t.Error("SideBySide returned a nil side")
			}
		})
	}
}
