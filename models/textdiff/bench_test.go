package textdiff_test

import (
	"fmt"
	"testing"

	"roundtable/models/textdiff"
)

// benchDocuments builds a 200-clause base and a target that edits about a
// quarter of the clauses, retitles some, drops and adds a few, and moves one
// block, so every code path of Clauses is exercised at realistic sizes.
func benchDocuments() (base, target []textdiff.Clause) {
	body := func(i, amount int) string {
		return fmt.Sprintf("제%d조 2022.10.15. 15:30경 발생한 데이터센터 화재로 서비스가 중단된 기간 동안 "+
			"매출 손실이 ₩%d,000 이하인 소상공인에게 %d만 원을 지원한다.\n"+
			"다만, KakaoTalk 및 Kakao T 유료 이용자는 별도 기준에 따르며 증빙 자료를 제출하여야 한다.", i, amount*10, amount)
	}
	for i := range 200 {
		base = append(base, textdiff.Clause{
			Key:   fmt.Sprintf("%d.%d", i/10+1, i%10+1),
			Title: fmt.Sprintf("지원 기준 %d", i),
			Body:  body(i, 30),
		})
	}
	for i, c := range base {
		switch {
		case i%17 == 0:
			continue // removed
		case i%4 == 0:
			c.Body = body(i, 50)
		case i%9 == 0:
			c.Title += " (개정)"
		}
		target = append(target, c)
		if i%23 == 0 {
			target = append(target, textdiff.Clause{Key: c.Key + "-신설", Title: "신설 조항", Body: body(i, 5)})
		}
	}
	target = append(target[40:], target[:40]...)
	return base, target
}

func BenchmarkClauses200(b *testing.B) {
	base, target := benchDocuments()
	b.ReportAllocs()
	for b.Loop() {
		if diffs := textdiff.Clauses(base, target); len(diffs) == 0 {
			b.Fatal("no diffs")
		}
	}
}

func BenchmarkWords(b *testing.B) {
	before := "30만 원 이하 매출 손실 소상공인에게 3만 원을 지원한다. 다만, KakaoTalk 유료 이용자는 별도로 정한다."
	after := "50만 원 이하 매출 손실 소상공인과 스타트업에게 5만 원을 지원한다. 다만, KakaoTalk 및 Kakao T 이용자는 별도로 정한다."
	b.ReportAllocs()
	for b.Loop() {
		textdiff.Words(before, after)
	}
}
