package reportfile

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// parseRow converts and checks one data row. Every problem in the row is
// recorded, not just the first, and the row is returned only if there was
// none.
func (rd *Reader) parseRow(cells []string, line int) (Row, bool) {
	before := rd.errTotal
	var v [numColumns]string
	for idx := range v {
		p := rd.pos[idx]
		if p < 0 || p >= len(cells) {
			continue
		}
		s := strings.TrimSpace(cells[p])
		if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
			rd.addError(line, tables.names[idx], &problem{
				"the cell contains characters that could not be read; the file may mix encodings, save it again as \"CSV UTF-8\"",
				"읽을 수 없는 문자가 있습니다. 인코딩이 섞였을 수 있으니 'CSV UTF-8'로 다시 저장해 주세요.",
			})
			continue
		}
		v[idx] = s
	}
	if len(cells) > rd.width && !rd.warnedWide && !blankRecord(cells[rd.width:]) {
		rd.warnedWide = true
		rd.warnings = append(rd.warnings, Warning{Row: line,
			Message:   "this row (and maybe others) has values right of the last named column; they were ignored",
			MessageKo: "이 행(및 다른 행)에 이름 없는 열의 값이 있어 무시했습니다."})
	}

	r := Row{Line: line}
	serial := rd.src.serialDates()

	if v[idxReceivedAt] == "" {
		rd.addError(line, ColReceivedAt, emptyProblem(idxReceivedAt))
	} else if t, p := parseDate(v[idxReceivedAt], serial, rd.src.date1904()); p != nil {
		rd.addError(line, ColReceivedAt, p)
	} else {
		r.ReceivedAt = t
	}

	r.ReporterType = rd.code(line, idxReporterType, v[idxReporterType], true)
	r.Service = rd.code(line, idxService, v[idxService], true)
	r.Paid = rd.code(line, idxPaid, v[idxPaid], true)
	r.DamageType = rd.code(line, idxDamageType, v[idxDamageType], true)
	r.Region = rd.code(line, idxRegion, v[idxRegion], true)
	r.Channel = rd.code(line, idxChannel, v[idxChannel], false)
	if r.Channel == "" {
		r.Channel = ChannelOther
	}
	r.Sector = rd.code(line, idxSector, v[idxSector], false)
	r.Evidence = rd.code(line, idxEvidence, v[idxEvidence], false) == EvidenceYes

	rd.parseAmount(&r, line, v[idxClaimedAmount])

	if s := v[idxOutageHours]; s != "" {
		if h, p := parseHours(s); p != nil {
			rd.addError(line, ColOutageHours, p)
		} else {
			r.OutageHours = h
		}
	}

	if r.ReporterType == ReporterIndividual && r.Sector != "" {
		rd.addError(line, ColSector, &problem{
			"sector applies to businesses only; leave it empty for an individual",
			"업종은 사업자에게만 해당합니다. 개인이면 비워 주세요.",
		})
	}

	rd.parsePersonal(&r, line, &v)
	return r, rd.errTotal == before
}

func (rd *Reader) parseAmount(r *Row, line int, s string) {
	if s == "" {
		if IsMonetary(r.DamageType) {
			rd.addError(line, ColClaimedAmount, &problem{
				"the claimed amount is empty; a monetary damage needs an amount in won (write 0 if it is not known)",
				"피해 금액이 비어 있습니다. 금전 피해는 원 단위 금액을 적어 주세요(모르면 0).",
			})
		}
		return
	}
	amount, p := parseAmount(s)
	if p != nil {
		rd.addError(line, ColClaimedAmount, p)
		return
	}
	if amount > 0 && r.DamageType == DamageNonMonetary {
		rd.addError(line, ColClaimedAmount, &problem{
			"a non-monetary report claims no money; set the amount to 0 or choose another damage_type",
			"비금전적 피해는 금액이 없어야 합니다. 금액을 0으로 하거나 피해 유형을 바꿔 주세요.",
		})
		return
	}
	r.ClaimedAmount = amount
}

func (rd *Reader) parsePersonal(r *Row, line int, v *[numColumns]string) {
	if s := v[idxPhone]; s != "" {
		if d, p := parsePhone(s); p != nil {
			rd.addError(line, ColPhone, p)
		} else {
			r.Phone = d
		}
	}
	if s := v[idxBusinessNumber]; s != "" {
		if d, p := parseBusinessNumber(s); p != nil {
			rd.addError(line, ColBusinessNumber, p)
		} else {
			r.BusinessNumber = d
		}
	}
	if v[idxPhone] == "" && v[idxBusinessNumber] == "" {
		rd.addError(line, ColPhone, &problem{
			"neither phone nor business_number is filled; one is needed to identify the reporter",
			"전화번호와 사업자등록번호가 모두 비어 있습니다. 신고자를 구별하려면 둘 중 하나가 필요합니다.",
		})
	}
	if s := v[idxEmail]; s != "" {
		if e, p := parseEmail(s); p != nil {
			rd.addError(line, ColEmail, p)
		} else {
			r.Email = e
		}
	}
	if t, p := parseText(v[idxName], maxNameRunes); p != nil {
		rd.addError(line, ColName, p)
	} else {
		r.Name = t
	}
	if t, p := parseText(v[idxDescription], maxDescRunes); p != nil {
		rd.addError(line, ColDescription, p)
	} else {
		r.Description = t
	}
}

// code resolves a code cell. An empty optional cell yields "".
func (rd *Reader) code(line, idx int, s string, required bool) string {
	if s == "" {
		if required {
			rd.addError(line, columns()[idx].name, emptyProblem(idx))
		}
		return ""
	}
	if k, ok := tables.lookupCode(idx, s); ok {
		return k
	}
	rd.addError(line, columns()[idx].name, unknownCodeProblem(idx, s))
	return ""
}

func emptyProblem(idx int) *problem {
	c := columns()[idx]
	en := fmt.Sprintf("%s is empty and is required", c.name)
	ko := fmt.Sprintf("필수 항목 '%s'이(가) 비어 있습니다.", c.ko)
	if dim, ok := codeColumns()[idx]; ok {
		en += "; use one of: " + strings.Join(dim.Keys(), ", ")
		ko += " 다음 중 하나를 쓰세요: " + strings.Join(koLabels(dim), ", ")
	}
	return &problem{en, ko}
}

func unknownCodeProblem(idx int, s string) *problem {
	c := columns()[idx]
	dim := codeColumns()[idx]
	shown := s
	if utf8.RuneCountInString(shown) > 40 {
		shown = string([]rune(shown)[:40]) + "…"
	}
	return &problem{
		fmt.Sprintf("%q is not a known %s; use one of: %s", shown, c.name, strings.Join(dim.Keys(), ", ")),
		fmt.Sprintf("'%s'은(는) 알 수 없는 %s 값입니다. 다음 중 하나를 쓰세요: %s", shown, c.ko, strings.Join(koLabels(dim), ", ")),
	}
}

func koLabels(d Dimension) []string {
	out := make([]string, len(d.Codes))
	for i, c := range d.Codes {
		out[i] = c.Ko
	}
	return out
}
