package disclosure

import "fmt"

// Publish decides, for one import snapshot, what of every table may be
// shown, and returns the tables in the order given. Tables of the same
// Population are protected together, so a figure they share is decided
// once. The result is deterministic for the same input.
func Publish(r Rules, bands []AmountBand, tables []TableInput) ([]Table, error) {
	return publish(r, bands, tables, true)
}

// publish is Publish with secondary suppression switchable, so that the
// adversary test can show what an attacker recovers without it.
func publish(r Rules, bands []AmountBand, tables []TableInput, secondary bool) ([]Table, error) {
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("disclosure: %w", err)
	}
	if err := checkBands(bands); err != nil {
		return nil, fmt.Errorf("disclosure: %w", err)
	}
	m, err := buildModel(tables)
	if err != nil {
		return nil, fmt.Errorf("disclosure: %w", err)
	}
	for _, p := range m.pops {
		if err := m.decide(p, r, secondary); err != nil {
			return nil, fmt.Errorf("disclosure: population %q: %w", p.name, err)
		}
	}
	out := make([]Table, len(m.layouts))
	for i, l := range m.layouts {
		out[i] = m.render(l, r, bands)
	}
	return out, nil
}

// decide runs the rules of design §3 over one population: counts first,
// because a withheld count takes its amounts with it, then amounts.
func (m *model) decide(p *population, r Rules, secondary bool) error {
	if err := m.decideCounts(p, r, secondary); err != nil {
		return fmt.Errorf("counts: %w", err)
	}
	if !p.hasAmounts {
		return nil
	}
	if err := m.decideAmounts(p, r, secondary); err != nil {
		return fmt.Errorf("amounts: %w", err)
	}
	return nil
}

// decideCounts withholds small counts and protects each of them.
func (m *model) decideCounts(p *population, r Rules, secondary bool) error {
	threshold := int64(r.Threshold)
	var small []int
	for _, f := range p.order {
		x := &m.figs[f]
		if n := x.cell.Reporters; n > 0 && n < threshold {
			x.countHidden, x.countReason = true, ReasonPrimary
			x.amountHidden = true
			small = append(small, f)
		}
	}
	if !secondary {
		return nil
	}
	g := guard{m: m, kind: counts}
	for _, f := range small {
		if err := g.protect(p, f, threshold-m.figs[f].cell.Reporters); err != nil {
			return err
		}
	}
	return nil
}

// decideAmounts withholds the sums that are sensitive in themselves (of a
// small count, or dominated) and protects each of them.
func (m *model) decideAmounts(p *population, r Rules, secondary bool) error {
	var sensitive []int
	for _, f := range p.order {
		x := &m.figs[f]
		x.dominant = dominated(x.cell, r.PPercent)
		switch {
		case x.countHidden:
			x.amountHidden = true
			x.amountSensitive = x.countReason == ReasonPrimary && x.cell.AmountSum > 0
		case x.cell.Reporters >= int64(r.Threshold) && x.dominant:
			x.amountHidden, x.amountSensitive = true, true
		}
		if x.amountSensitive {
			sensitive = append(sensitive, f)
		}
	}
	if !secondary {
		return nil
	}
	g := guard{m: m, kind: amounts}
	for _, f := range sensitive {
		// A withheld sum must stay uncertain by at least p% of itself,
		// which is also what the p% rule asks for its largest claim.
		if err := g.protect(p, f, percentCeil(r.PPercent, m.figs[f].cell.AmountSum)); err != nil {
			return err
		}
	}
	return nil
}
