package server

// A horizontal bar chart computed on the server and drawn by the template
// as SVG: no script, no inline style (colours come from classes in
// app.css), and every number printed beside its bar. The table next to the
// chart carries the same figures for screen readers and copying.

const (
	chartWidth = 600
	chartPad   = 8
	// glyphW is a generous width of one Hangul syllable at the chart's
	// font size, for sizing the label column to the longest label.
	glyphW    = 13
	maxSeries = 4 // more columns than this read better as a table
)

type chartBar struct {
	X, Y, W, H   int
	TextX, TextY int
	Text         string
	Withheld     bool
	Series       int
}

type chartGroup struct {
	Label          string
	LabelX, LabelY int
	Bars           []chartBar
}

type chartLegend struct {
	Label       string
	Series      int
	X, Y, TextX int
}

type barChart struct {
	Width, Height int
	Groups        []chartGroup
	Legend        []chartLegend
	LegendY       int
	// OfTotals is set when a two-way table has too many columns to group:
	// the chart then shows the row totals and the table shows the cells.
	OfTotals bool
}

// barsOf lays out one bar per line (its total), or for a two-way table
// with few columns one group of bars per line, one bar per column.
func barsOf(lines []rowView, series []string) barChart {
	grouped := len(series) > 0 && len(series) <= maxSeries
	ch := barChart{Width: chartWidth, OfTotals: len(series) > maxSeries}
	longest := 4
	for _, l := range lines {
		longest = max(longest, len([]rune(l.Label)))
	}
	labelW := min(16+glyphW*longest, 240)
	chartBarX := labelW + 8
	chartBarMaxW := chartWidth - chartBarX - 70 // room for the number after the longest bar
	var maxV int64
	for _, l := range lines {
		if grouped {
			for _, c := range l.Cells {
				maxV = max(maxV, c.value)
			}
		} else {
			maxV = max(maxV, l.Total.value)
		}
	}
	y := chartPad
	if grouped {
		x := chartBarX
		for i, name := range series {
			ch.Legend = append(ch.Legend, chartLegend{Label: name, Series: i, X: x, Y: y, TextX: x + 16})
			x += 16 + glyphW*len([]rune(name)) + 20
		}
		ch.LegendY = y + 10
		y += 26
	}
	barH, gap := 18, 8
	if grouped {
		barH, gap = 14, 12
	}
	bar := func(f figureView, series, y int) chartBar {
		b := chartBar{X: chartBarX, Y: y, H: barH, Series: series, TextY: y + barH - 3}
		switch {
		case f.Withheld:
			// A withheld figure has no length: a short hatched stub and the
			// same marker as the table, whatever the reason it is withheld.
			b.Withheld, b.W = true, 6
		case maxV > 0:
			b.W = int(float64(chartBarMaxW) * float64(f.value) / float64(maxV))
			if f.value > 0 && b.W < 1 {
				b.W = 1
			}
			b.Text = f.Text
		default:
			b.Text = f.Text
		}
		b.TextX = chartBarX + b.W + 6
		return b
	}
	for _, l := range lines {
		g := chartGroup{Label: l.Label, LabelX: labelW}
		if grouped {
			for i, c := range l.Cells {
				g.Bars = append(g.Bars, bar(c, i, y+i*(barH+2)))
			}
			g.LabelY = y + (len(l.Cells)*(barH+2))/2 + 4
			y += len(l.Cells)*(barH+2) + gap
		} else {
			g.Bars = []chartBar{bar(l.Total, 0, y)}
			g.LabelY = y + barH - 4
			y += barH + gap
		}
		ch.Groups = append(ch.Groups, g)
	}
	ch.Height = y + chartPad
	return ch
}
