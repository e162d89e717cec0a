package models

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"roundtable/models/compensation"
)

// The demo document follows the shape of the criteria the real council
// published in December 2022: small merchants' sales-loss brackets, a
// non-cash gesture for every user, evidence by comparing the outage week
// with normal weeks, an application window and appeals. The wording is ours.

var demoV1 = []ClauseInput{
	{"1", "목적", "이 기준은 2022년 10월 15일 데이터센터 화재로 발생한 카카오 서비스 장애로 피해를 입은 이용자와 사업자에 대한 지원 기준과 절차를 정한다."},
	{"2", "적용 대상", "2022년 10월 15일부터 10월 20일까지의 서비스 장애로 피해를 입었다고 접수 기간 안에 신고한 이용자와 사업자에게 적용한다.\n유료 서비스의 피해는 각 서비스 약관에 따른 보상을 우선하고, 이 기준은 무료 서비스로 인한 피해를 주로 다룬다."},
	{"2.1", "소상공인 매출 손실 지원", "카카오톡 채널 주문, 카카오T 호출 등 무료 서비스의 장애로 매출이 줄어든 소상공인 가운데 매출 손실이 30만 원 이하인 경우 3만 원을 지원한다."},
	{"3", "일반 이용자 지원", "모든 카카오톡 이용자에게 이모티콘 등 비금전적 위로를 제공한다."},
	{"4", "증빙", "매출 손실은 장애 기간이 포함된 주의 매출과 직전 주 같은 요일의 매출을 비교해 산정한다.\n신청인은 POS 매출 내역이나 카드 매출 전표 등 매출을 확인할 수 있는 자료를 내야 한다."},
	{"5", "신청 기간과 방법", "지원 신청은 공지일부터 30일 동안 카카오 고객센터 웹페이지에서 받는다. 전화 신청은 디지털 취약 계층에 한해 받는다."},
	{"6", "이의 신청", "지원 결정에 이견이 있는 신청인은 결정 통지를 받은 날부터 14일 안에 이의를 신청할 수 있다."},
}

func demoV2() []ClauseInput {
	v := append([]ClauseInput(nil), demoV1...)
	v[2] = ClauseInput{"2.1", "소상공인 매출 손실 지원", "카카오톡 채널 주문, 카카오T 호출 등 무료 서비스의 장애로 매출이 줄어든 소상공인에게 다음과 같이 지원한다.\n1. 매출 손실이 30만 원 이하인 경우: 3만 원\n2. 매출 손실이 30만 원 초과 50만 원 이하인 경우: 5만 원\n50만 원을 넘는 손실은 증빙을 검토해 개별로 협의한다."}
	v[4] = ClauseInput{"4", "증빙", "매출 손실은 장애 기간의 매출과 직전 4주 같은 요일 매출의 평균을 비교해 산정한다.\n신청인은 POS 매출 내역, 카드 매출 전표, 배달 앱 정산 내역 가운데 하나 이상을 내야 한다."}
	out := append([]ClauseInput(nil), v[:3]...)
	out = append(out, ClauseInput{"2.2", "스타트업·중소기업", "카카오 플랫폼에서 유료 서비스를 쓰는 스타트업과 중소기업의 피해는 계약과 약관에 따라 개별로 협의하며, 협의 대상과 절차는 별도로 공지한다."})
	out = append(out, v[3:]...)
	out[4] = ClauseInput{"3", "일반 이용자 지원", "모든 카카오톡 이용자에게 이모티콘 3종을 90일 동안 쓸 수 있도록 제공하고, 카카오T 이용자에게는 할인 쿠폰을 제공한다."}
	return out
}

func i64p(v int64) *int64 { return &v }

// demoRulesV1 is the first draft's single flat rule; demoRulesV2 follows
// the December 2022 criteria: 30,000 won up to 300,000 won of lost sales,
// 50,000 won over that up to 500,000, and a non-cash gesture for everyone.
func demoRulesV1() json.RawMessage {
	return mustRules([]compensation.Rule{
		{Name: "소상공인 매출 손실 30만 원 이하", Clause: "2.1", When: compensation.Conditions{ReporterTypes: []string{"small_merchant"},
			Paid: []string{"free"}, DamageTypes: []string{"lost_sales"}, EvidenceRequired: true, AmountUpTo: i64p(300000)},
			Pay: compensation.Payout{Kind: compensation.PayFixed, Amount: 30000}},
		{Name: "모든 이용자 위로", Clause: "3", Pay: compensation.Payout{Kind: compensation.PayGesture, Gesture: "카카오톡 이모티콘"}},
	})
}

func demoRulesV2() json.RawMessage {
	merchant := compensation.Conditions{ReporterTypes: []string{"small_merchant"}, Paid: []string{"free"}, DamageTypes: []string{"lost_sales"}, EvidenceRequired: true}
	low, high := merchant, merchant
	low.AmountUpTo = i64p(300000)
	high.AmountOver, high.AmountUpTo = i64p(300000), i64p(500000)
	return mustRules([]compensation.Rule{
		{Name: "소상공인 매출 손실 30만 원 이하", Clause: "2.1", When: low, Pay: compensation.Payout{Kind: compensation.PayFixed, Amount: 30000}},
		{Name: "소상공인 매출 손실 30만~50만 원", Clause: "2.1", When: high, Pay: compensation.Payout{Kind: compensation.PayFixed, Amount: 50000}},
		{Name: "모든 이용자 위로", Clause: "3", Pay: compensation.Payout{Kind: compensation.PayGesture, Gesture: "이모티콘 3종(90일)"}},
	})
}

func mustRules(rs []compensation.Rule) json.RawMessage {
	b, err := json.Marshal(rs)
	if err != nil {
		panic(err) // static demo data
	}
	return b
}

type demoComment struct {
	ref, author, clause, body, replyTo string
}

type demoAnswer struct {
	ref, status, response, addressedIn string
}

// seedDemoDeliberation writes the demo document through the same store
// methods people use, so every step is in the history like any other.
func (s *Store) seedDemoDeliberation(ctx context.Context) error {
	users, err := s.Users(ctx)
	if err != nil {
		return err
	}
	actor := map[string]Actor{}
	for _, u := range users {
		actor[u.Email] = Actor{UserID: u.ID, Role: u.Role, RequestID: "demo-seed"}
	}
	sec := actor["secretariat@example.org"]
	doc, err := s.CreateDocument(ctx, sec, "무료 서비스 피해 지원 기준안", "카카오 서비스 장애(2022. 10. 15.)로 인한 무료 서비스 피해의 지원 기준. 협의체 논의에 따라 판을 거듭해 고칩니다.")
	if err != nil {
		return fmt.Errorf("demo document: %w", err)
	}
	v1, err := s.CreateDraft(ctx, sec, doc.ID, VersionInput{Summary: "협의체 첫 회의에서 나온 원칙을 바탕으로 사무국이 처음 작성한 초안입니다. 유료 서비스는 약관에 따른 보상을 우선하고, 무료 서비스 피해의 지원 기준을 정합니다.", Clauses: demoV1, Rules: demoRulesV1()}, nil)
	if err != nil {
		return fmt.Errorf("demo version 1: %w", err)
	}
	if _, err := s.Publish(ctx, sec, v1.ID); err != nil {
		return fmt.Errorf("publish demo version 1: %w", err)
	}
	refs := map[string]int64{}
	post := func(versionID int64, cs []demoComment) error {
		for _, c := range cs {
			in := CommentInput{Body: c.body, ClauseKey: c.clause}
			if c.replyTo != "" {
				id := refs[c.replyTo]
				in.ParentID = &id
				in.ClauseKey = ""
			}
			cm, err := s.AddComment(ctx, actor[c.author], versionID, in)
			if err != nil {
				return fmt.Errorf("demo comment %s: %w", c.ref, err)
			}
			refs[c.ref] = cm.ID
		}
		return nil
	}
	if err := post(v1.ID, []demoComment{
		{"m1", "merchant1@example.org", "2.1", "3만 원은 실제 피해에 비해 너무 적습니다. 배달 주문이 끊긴 이틀 동안 매출이 40만 원 넘게 줄었습니다. 손실 금액에 따라 구간을 나눠 주세요.", ""},
		{"s1", "startup1@example.org", "2", "무료 서비스 장애까지 넓게 금전 보상을 하면, 같은 기준이 선례가 되어 작은 플랫폼 사업자에게는 진입장벽이 됩니다. 무료 서비스는 매출 손실이 증빙된 사업자로 한정해 주세요.", ""},
		{"c1", "consumer1@example.org", "3", "일반 이용자도 메시지를 못 보내 약속을 놓치는 등 실제 불편을 겪었습니다. 이모티콘만으로는 부족하다는 목소리가 많습니다.", ""},
		{"e1", "expert1@example.org", "", "유료 서비스 이용자와 무료 서비스 이용자를 어떻게 다르게 보는지 조항에서 분명히 설명하면 오해가 줄어들 것입니다.", "c1"},
		{"m2", "merchant2@example.org", "4", "직전 주 한 주만 비교하면 날씨나 공휴일 영향이 너무 큽니다. '직전 4주 같은 요일 평균'과 비교하도록 바꿔 주세요.", ""},
		{"c2", "consumer2@example.org", "", "신청 방법이 웹페이지뿐이면 고령층은 신청하기 어렵습니다. 전화 신청 요건을 넓혀 주세요.", ""},
	}); err != nil {
		return err
	}
	if err := s.seedDemoBallot(ctx, sec, actor, v1.ID, "제1판을 협의체의 무료 서비스 피해 지원 기준으로 채택할까요?", true, map[string]demoVote{
		"merchant1@example.org": {"reject", "3만 원 단일 금액으로는 실제 매출 손실을 메울 수 없습니다. 구간을 나눈 안이 나오면 찬성하겠습니다."},
		"merchant2@example.org": {"reject", "비교 기간이 한 주뿐이라 손실을 제대로 증명하기 어렵습니다."},
		"merchant3@example.org": {"approve", "빠른 지원이 우선이라고 봅니다."},
		"startup1@example.org":  {"approve", "증빙된 매출 손실로 한정한 원칙에 동의합니다."},
		"startup2@example.org":  {"approve", ""},
		"consumer1@example.org": {"approve", "일반 이용자 지원이 더 구체적이어야 하지만, 우선 채택에 찬성합니다."},
		"consumer2@example.org": {"abstain", "전화 신청 요건이 정리되면 판단하겠습니다."},
	}); err != nil {
		return err
	}
	v2, err := s.CreateDraft(ctx, sec, doc.ID, VersionInput{Summary: "제1판에 대한 위원 의견을 반영했습니다.\n- 2.1: 매출 손실 30만 원 초과 50만 원 이하 구간(5만 원)을 신설\n- 2.2: 유료 서비스를 쓰는 스타트업·중소기업의 개별 협의 조항 신설\n- 3: 일반 이용자 지원 내용을 구체화\n- 4: 비교 기간을 직전 4주 같은 요일 평균으로 변경"}, &v1.ID)
	if err != nil {
		return fmt.Errorf("demo version 2: %w", err)
	}
	if v2, err = s.UpdateDraft(ctx, sec, v2.ID, VersionInput{Summary: v2.Summary, Clauses: demoV2(), Rules: demoRulesV2(), Revision: &v2.Revision}); err != nil {
		return fmt.Errorf("demo version 2 text: %w", err)
	}
	answer := func(as []demoAnswer, versions map[string]int64) error {
		for _, a := range as {
			in := DispositionInput{Status: a.status, Response: a.response}
			if a.addressedIn != "" {
				id := versions[a.addressedIn]
				in.AddressedInVersionID = &id
			}
			if _, err := s.Answer(ctx, sec, refs[a.ref], in); err != nil {
				return fmt.Errorf("demo answer %s: %w", a.ref, err)
			}
		}
		return nil
	}
	if err := answer([]demoAnswer{
		{"m1", DispPartiallyAccepted, "손실 금액 구간을 나누자는 의견을 받아들여, 30만 원 초과 50만 원 이하 구간을 신설하고 5만 원을 지원하도록 제2판에 반영했습니다. 50만 원을 넘는 손실은 증빙을 검토해 개별로 협의합니다.", "v2"},
		{"s1", DispNoted, "무료 서비스 피해의 금전 지원은 매출 손실이 증빙된 소상공인으로 한정한다는 원칙을 유지합니다. 선례가 되지 않도록 이번 장애에 한정된 기준임을 목적 조항에 밝혀 두었습니다.", ""},
		{"c1", DispNotAccepted, "무료 서비스를 쓰는 개인 이용자에 대한 금전 지원은 전례와 형평을 함께 고려해 비금전적 지원으로 정했습니다. 다만 지원 내용을 구체적으로 밝히도록 제3조를 고쳤습니다.", "v2"},
		{"m2", DispAccepted, "제안대로 직전 4주 같은 요일 매출의 평균과 비교하도록 제4조를 바꿨습니다. 배달 앱 정산 내역도 증빙으로 인정합니다.", "v2"},
	}, map[string]int64{"v2": v2.ID}); err != nil {
		return err
	}
	if _, err := s.Publish(ctx, sec, v2.ID); err != nil {
		return fmt.Errorf("publish demo version 2: %w", err)
	}
	if err := post(v2.ID, []demoComment{
		{"m3", "merchant3@example.org", "2.1", "50만 원을 넘는 손실은 '개별 협의'라고만 되어 있는데, 협의 기한과 기준을 함께 적어 주셔야 합니다.", ""},
		{"c3", "consumer2@example.org", "3", "쿠폰 사용 기한이 너무 짧으면 실제로 쓰기 어렵습니다. 최소 3개월은 보장해 주세요.", ""},
		{"s2", "startup2@example.org", "", "증빙 서류가 간단해져 작은 사업자의 부담이 줄었습니다. 다만 2.2의 개별 협의 대상 기준을 미리 공개해 주세요.", ""},
		{"c4", "consumer3@example.org", "", "협의 대상 기준이 공개되면 소비자 쪽에서도 형평을 점검할 수 있겠습니다.", "s2"},
		{"e2", "expert1@example.org", "6", "이의 신청을 받은 뒤 처리 기한(예: 30일)을 명시하는 것이 소비자 보호 원칙에 맞습니다.", ""},
	}); err != nil {
		return err
	}
	if err := s.seedDemoBallot(ctx, sec, actor, v2.ID, "제2판을 협의체의 무료 서비스 피해 지원 기준으로 채택할까요?", false, map[string]demoVote{
		"merchant1@example.org": {"approve", "구간이 나뉘어 실제 피해에 가까워졌습니다."},
		"startup1@example.org":  {"approve", "2.2의 개별 협의 기준이 공개되는 조건으로 찬성합니다."},
		"consumer1@example.org": {"reject", "일반 이용자 보상이 여전히 부족합니다."},
		"consumer3@example.org": {"approve", ""},
	}); err != nil {
		return err
	}
	v3, err := s.CreateDraft(ctx, sec, doc.ID, VersionInput{Summary: "제2판 의견 반영 초안(작성 중)\n- 6: 이의 신청 처리 기한 30일 명시"}, &v2.ID)
	if err != nil {
		return fmt.Errorf("demo version 3: %w", err)
	}
	clauses := demoV2()
	clauses[len(clauses)-1] = ClauseInput{"6", "이의 신청", "지원 결정에 이견이 있는 신청인은 결정 통지를 받은 날부터 14일 안에 이의를 신청할 수 있다.\n사무국은 이의 신청을 받은 날부터 30일 안에 결과를 알려야 한다."}
	if v3, err = s.UpdateDraft(ctx, sec, v3.ID, VersionInput{Summary: v3.Summary, Clauses: clauses, Rules: demoRulesV2(), Revision: &v3.Revision}); err != nil {
		return fmt.Errorf("demo version 3 text: %w", err)
	}
	return answer([]demoAnswer{
		{"e2", DispAccepted, "이의 신청 처리 기한 30일을 제6조에 넣는 제3판 초안을 준비하고 있습니다.", "v3"},
	}, map[string]int64{"v3": v3.ID})
}

type demoVote struct{ choice, reason string }

// seedDemoBallot opens a ballot on a version, casts the given votes and,
// when close is set, closes it early as the secretariat would.
func (s *Store) seedDemoBallot(ctx context.Context, sec Actor, actor map[string]Actor, versionID int64, question string, close bool, votes map[string]demoVote) error {
	b, err := s.OpenBallot(ctx, sec, versionID, BallotInput{Question: question, ClosesAt: s.Now().Add(7 * 24 * time.Hour), Rule: "majority_each_group", QuorumPercent: 50})
	if err != nil {
		return fmt.Errorf("demo ballot: %w", err)
	}
	emails := make([]string, 0, len(votes))
	for e := range votes {
		emails = append(emails, e)
	}
	sort.Strings(emails) // deterministic history
	for _, email := range emails {
		voter, err := s.UserByID(ctx, actor[email].UserID)
		if err != nil {
			return err
		}
		v := votes[email]
		if _, err := s.CastVote(ctx, actor[email], voter, b.ID, VoteInput{Choice: v.choice, Reason: v.reason}); err != nil {
			return fmt.Errorf("demo vote of %s: %w", email, err)
		}
	}
	if close {
		if _, err := s.CloseBallot(ctx, sec, b.ID); err != nil {
			return fmt.Errorf("close demo ballot: %w", err)
		}
	}
	return nil
}
