package reportfile

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"time"

	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/transform"
)

// GenerateOption adjusts the file Generate writes.
type GenerateOption func(*genConfig)

type genConfig struct {
	cp949    bool
	bom      bool
	koHeader bool
	koValues bool
}

// WithCP949 writes the file in CP949, as Korean Excel saves "CSV", to test
// the reader's encoding detection.
func WithCP949() GenerateOption { return func(c *genConfig) { c.cp949 = true } }

// WithBOM starts a UTF-8 file with a byte order mark, as Excel's "CSV UTF-8"
// does. Ignored with WithCP949.
func WithBOM() GenerateOption { return func(c *genConfig) { c.bom = true } }

// WithKoreanHeaders writes the Korean column names instead of the canonical
// English ones.
func WithKoreanHeaders() GenerateOption { return func(c *genConfig) { c.koHeader = true } }

// WithKoreanValues writes Korean labels instead of codes and 원-suffixed
// amounts, like a hand-filled file.
func WithKoreanValues() GenerateOption { return func(c *genConfig) { c.koValues = true } }

// genRand wraps a PCG source with our own derivations (uniform, bounded,
// normal) so the output depends only on the PCG algorithm, which is
// specified, and not on math/rand helpers whose algorithms may change.
type genRand struct{ src *rand.PCG }

// below returns a value in [0, n) by multiply-high; the bias is below
// n/2⁶⁴, irrelevant for tables of a few hundred thousand.
func (g *genRand) below(n uint64) uint64 {
	hi, _ := bits.Mul64(g.src.Uint64(), n)
	return hi
}

func (g *genRand) float() float64 { return float64(g.src.Uint64()>>11) / (1 << 53) }

func (g *genRand) chance(p float64) bool { return g.float() < p }

// normal draws a standard normal value (Box–Muller).
func (g *genRand) normal() float64 {
	u := g.float()
	for u == 0 {
		u = g.float()
	}
	return math.Sqrt(-2*math.Log(u)) * math.Cos(2*math.Pi*g.float())
}

// reporter is a person or business that may file several reports.
type reporter struct {
	typ, region, sector string
	name, phone, email  string
	bizNumber           string
}

// ringSize is how many recent reporters per type can file again; a ring
// keeps memory constant however many rows are generated.
const ringSize = 512

// repeatShare is the share of reports filed by someone who already filed.
const repeatShare = 0.07

type generator struct {
	cfg   genConfig
	rng   genRand
	seed  uint64
	nextR uint64
	buf   []byte

	reporterTypes, regions, sectors, channels weighted
	categories                                [2]weighted
	indivServices                             map[string]weighted
	bizServices                               map[string]weighted
	damages                                   [3]weighted // individual, business, transport
	surnames                                  []surname
	surnameW                                  weighted
	givenA, givenB                            []string
	desc                                      descriptions
	rings                                     map[string][]reporter
	labels                                    map[string]map[string]string // dimension → code → Korean label
}

// Generate writes n synthetic reports as CSV: deterministic for a seed,
// calibrated to the published aggregates (design §6), every row valid for
// Open. Personal data is fictional: made-up names, 010 numbers from a
// permutation of the reporter number, example.com/example.org addresses and
// business numbers with a valid check digit. Memory is constant in n.
func Generate(w io.Writer, n int, seed int64, opts ...GenerateOption) error {
	if n < 0 {
		return fmt.Errorf("generate: negative row count %d", n)
	}
	var cfg genConfig
	for _, o := range opts {
		o(&cfg)
	}
	out := w
	var enc io.WriteCloser
	if cfg.cp949 {
		enc = transform.NewWriter(w, korean.EUCKR.NewEncoder())
		out = enc
	}
	bw := bufio.NewWriterSize(out, 256<<10)
	g := newGenerator(cfg, seed)
	if err := g.run(bw, n); err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("generate: flush: %w", err)
	}
	if enc != nil {
		if err := enc.Close(); err != nil {
			return fmt.Errorf("generate: encode CP949: %w", err)
		}
	}
	return nil
}

func newGenerator(cfg genConfig, seed int64) *generator {
	g := &generator{
		cfg:           cfg,
		rng:           genRand{rand.NewPCG(uint64(seed), 0x20221015)},
		seed:          uint64(seed),
		reporterTypes: genReporterTypes(),
		regions:       genRegions(),
		sectors:       genSectors(),
		channels:      genChannels(),
		categories:    [2]weighted{genCategories(false), genCategories(true)},
		indivServices: map[string]weighted{},
		bizServices:   map[string]weighted{},
		damages:       [3]weighted{genDamageTypes(false, false), genDamageTypes(true, false), genDamageTypes(true, true)},
		surnames:      genSurnames(),
		givenA:        genGivenFirst(),
		givenB:        genGivenSecond(),
		desc:          genDescriptions(),
		rings:         map[string][]reporter{},
		labels:        map[string]map[string]string{},
	}
	for _, c := range []string{catPaid, catFree, catNone} {
		g.indivServices[c] = genIndividualServices(c)
	}
	for _, s := range Sectors().Keys() {
		g.bizServices[s] = genBusinessServices(s)
	}
	pairs := make([]any, 0, 2*len(g.surnames))
	for i, s := range g.surnames {
		pairs = append(pairs, strconv.Itoa(i), s.weight)
	}
	g.surnameW = newWeighted(pairs...)
	for _, d := range Dimensions() {
		m := map[string]string{}
		for _, c := range d.Codes {
			m[c.Key] = c.Ko
		}
		g.labels[d.Key] = m
	}
	return g
}

// dailyCounts spreads n reports over the 19 intake days: most arrived in
// the first days and tailed off, with fewer on weekends.
func dailyCounts(n int) [IntakeDays]int {
	var w [IntakeDays]float64
	total := 0.0
	for d := range w {
		w[d] = math.Exp(-float64(d)/3.5) + 0.04
		if wd := intakeFirst.AddDate(0, 0, d).Weekday(); wd == time.Saturday || wd == time.Sunday {
			w[d] *= 0.75
		}
		total += w[d]
	}
	// Largest remainder, so the counts add up to exactly n.
	var counts [IntakeDays]int
	var rem [IntakeDays]float64
	given := 0
	for d := range w {
		exact := float64(n) * w[d] / total
		counts[d] = int(exact)
		rem[d] = exact - float64(counts[d])
		given += counts[d]
	}
	for ; given < n; given++ {
		best := 0
		for d := range rem {
			if rem[d] > rem[best] {
				best = d
			}
		}
		counts[best]++
		rem[best] = -1
	}
	return counts
}

// rarePlan maps row positions to rare cases; empty for small sets, where
// the rare rows would distort the proportions.
type rarePlan struct {
	at    map[int]int // row index → index into cases
	cases []rareCase
	reps  [][]reporter
}

func (g *generator) planRare(n int) rarePlan {
	p := rarePlan{at: map[int]int{}, cases: genRareCases()}
	if n < 1000 {
		return p
	}
	total := 0
	for _, c := range p.cases {
		total += c.reports
	}
	k := 0
	for ci, c := range p.cases {
		reps := make([]reporter, c.reporters)
		for i := range reps {
			reps[i] = g.newReporter(c.reporterType)
			reps[i].region, reps[i].sector = c.region, c.sector
		}
		p.reps = append(p.reps, reps)
		for range c.reports {
			k++
			p.at[k*n/(total+1)] = ci
		}
	}
	return p
}

func (g *generator) run(w *bufio.Writer, n int) error {
	if !g.cfg.cp949 && g.cfg.bom {
		if _, err := w.Write(bomUTF8); err != nil {
			return err
		}
	}
	header := CanonicalColumns()
	if g.cfg.koHeader {
		header = KoreanColumns()
	}
	g.buf = g.buf[:0]
	for i, h := range header {
		if i > 0 {
			g.buf = append(g.buf, ',')
		}
		g.buf = append(g.buf, h...)
	}
	g.buf = append(g.buf, '\r', '\n')
	if _, err := w.Write(g.buf); err != nil {
		return err
	}
	rare := g.planRare(n)
	rareSeen := make([]int, len(rare.cases))
	i := 0
	for day, count := range dailyCounts(n) {
		date := intakeFirst.AddDate(0, 0, day)
		for range count {
			var rec genRecord
			if ci, ok := rare.at[i]; ok {
				rec = g.rareRecord(rare.cases[ci], rare.reps[ci][rareSeen[ci]%len(rare.reps[ci])])
				rareSeen[ci]++
			} else {
				rec = g.record()
			}
			rec.date = date
			g.buf = g.appendRecord(g.buf[:0], &rec)
			if _, err := w.Write(g.buf); err != nil {
				return err
			}
			i++
		}
	}
	return nil
}

// genRecord is one report before formatting.
type genRecord struct {
	rep                            *reporter
	date                           time.Time
	channel, service, paid, damage string
	amount                         int64
	hours                          float64
	evidence                       bool
	desc                           descTemplate
}

func (g *generator) record() genRecord {
	typ := g.reporterTypes.pick(&g.rng)
	rep := g.reporterFor(typ)
	business := IsBusiness(typ)
	cat := g.categories[b2i(business)].pick(&g.rng)
	var rec genRecord
	rec.rep = rep
	rec.channel = g.channels.pick(&g.rng)
	if business {
		rec.service = g.bizServices[rep.sector].pick(&g.rng)
	} else {
		rec.service = g.indivServices[cat].pick(&g.rng)
	}
	rec.paid = PaidFree
	if cat == catPaid {
		rec.paid = PaidPaid
	}
	if cat == catNone {
		rec.damage = DamageNonMonetary
	} else {
		d := 0
		if business {
			d = 1
			if rep.sector == SectorTransport {
				d = 2
			}
		}
		rec.damage = g.damages[d].pick(&g.rng)
		m := genAmountModel(typ, cat)
		rec.amount = g.amount(m.median, m.sigma)
	}
	rec.hours = g.hours(rec.service)
	switch {
	case cat == catNone:
		rec.evidence = g.rng.chance(0.03)
	case business:
		rec.evidence = g.rng.chance(0.75)
	default:
		rec.evidence = g.rng.chance(0.40)
	}
	rec.desc = g.pickDesc(business, rec.service, rec.damage)
	return rec
}

func (g *generator) rareRecord(c rareCase, rep reporter) genRecord {
	r := rep
	return genRecord{
		rep:      &r,
		channel:  ChannelWeb,
		service:  c.service,
		paid:     c.paid,
		damage:   c.damage,
		amount:   g.amount(c.median, 0.5),
		hours:    g.hours(c.service),
		evidence: true,
		desc:     g.pickDesc(true, c.service, c.damage),
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// reporterFor returns a recent reporter of the type again now and then, so
// that some people file several reports under the same phone or business
// number, and a new one otherwise.
func (g *generator) reporterFor(typ string) *reporter {
	ring := g.rings[typ]
	if len(ring) > 0 && g.rng.chance(repeatShare) {
		r := ring[g.rng.below(uint64(len(ring)))]
		return &r
	}
	r := g.newReporter(typ)
	if len(ring) < ringSize {
		g.rings[typ] = append(ring, r)
	} else {
		ring[g.rng.below(ringSize)] = r
	}
	return &r
}

func (g *generator) newReporter(typ string) reporter {
	id := g.nextR
	g.nextR++
	r := reporter{typ: typ, region: g.regions.pick(&g.rng)}
	si, _ := strconv.Atoi(g.surnameW.pick(&g.rng))
	sn := g.surnames[si]
	r.name = sn.hangul + g.givenA[g.rng.below(uint64(len(g.givenA)))] + g.givenB[g.rng.below(uint64(len(g.givenB)))]
	business := IsBusiness(typ)
	if !business || g.rng.chance(0.9) {
		r.phone = g.phone(id)
	}
	if business {
		r.sector = g.sectors.pick(&g.rng)
		r.bizNumber = g.businessNumber(id, typ == ReporterSmallMerchant && g.rng.chance(0.85))
	}
	if g.rng.chance(0.55) {
		domain := "example.com"
		if id%3 == 0 {
			domain = "example.org"
		}
		r.email = sn.roman + "." + strconv.FormatUint(1000+(id*7+g.seed)%900000, 10) + "@" + domain
	}
	return r
}

// phone maps a reporter number to a distinct 010 number through an affine
// permutation (the multiplier is coprime to the modulus) of the 80 million numbers 010-2000-0000…010-9999-9999, so
// distinct reporters never share a phone.
func (g *generator) phone(id uint64) string {
	const space = 8000 * 10000
	p := (id*37_211_923 + g.seed%space + 12_345_678) % space
	mid, last := 2000+p/10000, p%10000
	b := make([]byte, 0, 13)
	b = append(b, "010-"...)
	b = strconv.AppendUint(b, mid, 10)
	b = append(b, '-')
	b = appendPadded(b, last, 4)
	return string(b)
}

// businessNumber maps a reporter number to a distinct registration number:
// tax office 101–700, kind code 01–79 for sole proprietors or 81/86/87/88
// for corporations, serial 0001–9999, and the check digit.
func (g *generator) businessNumber(id uint64, sole bool) string {
	var office, kind, serial uint64
	if sole {
		const space = 600 * 79 * 9999
		q := (id*104_729 + g.seed%space) % space
		office, kind, serial = 101+q/(79*9999), 1+(q%(79*9999))/9999, 1+q%9999
	} else {
		const space = 600 * 4 * 9999
		q := (id*104_729 + g.seed%space) % space
		kinds := [4]uint64{81, 86, 87, 88}
		office, kind, serial = 101+q/(4*9999), kinds[(q%(4*9999))/9999], 1+q%9999
	}
	var d [9]int
	digits := appendPadded(nil, office, 3)
	digits = appendPadded(digits, kind, 2)
	digits = appendPadded(digits, serial, 4)
	for i := range d {
		d[i] = int(digits[i] - '0')
	}
	check := BusinessCheckDigit(d[:])
	b := make([]byte, 0, 12)
	b = append(b, digits[:3]...)
	b = append(b, '-')
	b = append(b, digits[3:5]...)
	b = append(b, '-')
	b = append(b, digits[5:]...)
	b = append(b, byte('0'+check))
	return string(b)
}

func appendPadded(b []byte, v uint64, width int) []byte {
	s := strconv.FormatUint(v, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// amount draws a log-normal claim rounded the way people round: to
// hundreds below ₩10,000, thousands below ₩1,000,000, ten thousands above.
func (g *generator) amount(median, sigma float64) int64 {
	v := median * math.Exp(sigma*g.rng.normal())
	v = min(max(v, 1000), 500_000_000)
	step := 10_000.0
	switch {
	case v < 10_000:
		step = 100
	case v < 1_000_000:
		step = 1000
	}
	return int64(math.Round(v/step) * step)
}

func (g *generator) hours(service string) float64 {
	h := genOutageBase(service) * (0.4 + 1.2*g.rng.float())
	return max(0.5, math.Round(h*2)/2)
}

func (g *generator) pickDesc(business bool, service, damage string) descTemplate {
	if damage == DamageNonMonetary {
		return g.desc.nonMonetary[g.rng.below(uint64(len(g.desc.nonMonetary)))]
	}
	generic := damage == DamageLostSales || damage == DamageExtraCost || damage == DamageOther
	if specific := g.desc.byService[service]; generic && len(specific) > 0 && g.rng.chance(0.5) {
		return specific[g.rng.below(uint64(len(specific)))]
	}
	list := g.desc.individual[damage]
	if business {
		list = g.desc.business[damage]
	}
	return list[g.rng.below(uint64(len(list)))]
}

// appendRecord formats one CSV row in canonical column order. No generated
// value contains a comma, quote or line break, so no quoting is needed;
// appendField checks anyway so a future template cannot break the file.
func (g *generator) appendRecord(b []byte, r *genRecord) []byte {
	ko := g.cfg.koValues
	code := func(b []byte, dim, key string) []byte {
		if ko && key != "" {
			return appendField(b, g.labels[dim][key])
		}
		return append(b, key...)
	}
	if ko {
		b = r.date.AppendFormat(b, "2006.01.02")
	} else {
		b = r.date.AppendFormat(b, "2006-01-02")
	}
	b = append(b, ',')
	b = code(b, DimChannel, r.channel)
	b = append(b, ',')
	b = code(b, DimReporterType, r.rep.typ)
	b = append(b, ',')
	b = code(b, DimService, r.service)
	b = append(b, ',')
	b = code(b, DimPaid, r.paid)
	b = append(b, ',')
	b = code(b, DimDamageType, r.damage)
	b = append(b, ',')
	if ko {
		b = appendField(b, formatThousands(r.amount)+"원")
	} else {
		b = strconv.AppendInt(b, r.amount, 10)
	}
	b = append(b, ',')
	b = strconv.AppendFloat(b, r.hours, 'f', -1, 64)
	b = append(b, ',')
	b = code(b, DimRegion, r.rep.region)
	b = append(b, ',')
	b = code(b, DimSector, r.rep.sector)
	b = append(b, ',')
	ev := EvidenceNo
	if r.evidence {
		ev = EvidenceYes
	}
	b = code(b, DimEvidence, ev)
	b = append(b, ',')
	b = appendField(b, r.rep.name)
	b = append(b, ',')
	b = append(b, r.rep.phone...)
	b = append(b, ',')
	b = appendField(b, r.rep.email)
	b = append(b, ',')
	b = append(b, r.rep.bizNumber...)
	b = append(b, ',')
	b = g.appendDesc(b, r)
	return append(b, '\r', '\n')
}

func (g *generator) appendDesc(b []byte, r *genRecord) []byte {
	t := r.desc
	var slot string
	switch t.slot {
	case slotService:
		slot = g.labels[DimService][r.service]
	case slotHours:
		slot = strconv.FormatFloat(r.hours, 'f', -1, 64)
	case slotAmount:
		slot = formatThousands(r.amount)
	}
	if plainField(t.pre) && plainField(slot) && plainField(t.post) {
		return append(append(append(b, t.pre...), slot...), t.post...)
	}
	return appendField(b, t.pre+slot+t.post)
}

func plainField(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ',' || c == '"' || c == '\n' || c == '\r' {
			return false
		}
	}
	return true
}

func formatThousands(v int64) string {
	s := strconv.FormatInt(v, 10)
	if len(s) <= 3 {
		return s
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	head := len(s) % 3
	if head > 0 {
		out = append(out, s[:head]...)
	}
	for i := head; i < len(s); i += 3 {
		if len(out) > 0 {
			out = append(out, ',')
		}
		out = append(out, s[i:i+3]...)
	}
	return string(out)
}

// appendField writes s, quoting it if it holds a separator, quote or line
// break.
func appendField(b []byte, s string) []byte {
	if plainField(s) {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}
