package render

import (
	"slices"
	"strings"
	"testing"
)

func column3(header string, cut cutMode, minWidth, dropRank int, cells ...string) *column {
	c := &column{header: header, cut: cut, minWidth: minWidth, dropRank: dropRank}
	for _, text := range cells {
		c.add(text, nil)
	}
	return c
}

func TestTableLayoutNaturalWidths(t *testing.T) {
	tbl := &table{indent: 2, columns: []*column{
		column3("NAME", cutMiddle, 8, 0, "web-1", "web-12345"),
		column3("PHASE", cutNone, 0, 1, "Running"),
	}}
	if got, want := tbl.layout(80), []int{9, 7}; !slices.Equal(got, want) {
		t.Errorf("layout(80) = %v, want %v", got, want)
	}
}

func TestTableLayoutCutsBeforeDropping(t *testing.T) {
	tbl := &table{indent: 0, columns: []*column{
		column3("NAME", cutMiddle, 8, 0, strings.Repeat("n", 20)),
		column3("PHASE", cutNone, 0, 1, "Running"),
	}}
	// 20 + 2 + 7 = 29 cells; at 25 the name gives up 4.
	if got, want := tbl.layout(25), []int{16, 7}; !slices.Equal(got, want) {
		t.Errorf("layout(25) = %v, want %v", got, want)
	}
}

func TestTableLayoutDropsHighestRankFirst(t *testing.T) {
	tbl := &table{indent: 0, columns: []*column{
		column3("NAME", cutMiddle, 10, 0, strings.Repeat("n", 10)),
		column3("A", cutNone, 0, 1, "aaaaa"),
		column3("B", cutNone, 0, 2, "bbbbb"),
	}}
	// All three need 10 + 2 + 5 + 2 + 5 = 24 cells.
	if got, want := tbl.layout(20), []int{10, 5, 0}; !slices.Equal(got, want) {
		t.Errorf("layout(20) = %v, want %v", got, want)
	}
	if got, want := tbl.layout(12), []int{10, 0, 0}; !slices.Equal(got, want) {
		t.Errorf("layout(12) = %v, want %v", got, want)
	}
}

func TestTableLayoutOverflowsWhenNothingLeft(t *testing.T) {
	tbl := &table{indent: 2, columns: []*column{
		column3("NAME", cutEnd, 10, 0, strings.Repeat("n", 30)),
		column3("VALUE", cutNone, 0, 0, "12345678"),
	}}
	widths := tbl.layout(5)
	if got, want := widths, []int{10, 8}; !slices.Equal(got, want) {
		t.Errorf("layout(5) = %v, want %v", got, want)
	}
	if tbl.fits(widths, 5) {
		t.Error("fits reports a 22-cell table fits in 5")
	}
}

func TestTableLayoutCutLastColumn(t *testing.T) {
	names := column3("NAME", cutMiddle, 10, 0, strings.Repeat("n", 20))
	names.cutLast = true
	tbl := &table{columns: []*column{
		names,
		column3("NOTE", cutEnd, 10, 0, strings.Repeat("t", 20)),
	}}
	// 42 cells at natural width: the note gives up all it can (10) before
	// the name gives up the remaining 2.
	if got, want := tbl.layout(30), []int{18, 10}; !slices.Equal(got, want) {
		t.Errorf("layout(30) = %v, want %v", got, want)
	}
}

func TestTableLayoutHidesEmptyColumn(t *testing.T) {
	tbl := &table{columns: []*column{
		column3("NAME", cutNone, 0, 0, "web-1"),
		column3("TREATMENT", cutEnd, 10, 0, "", ""),
	}}
	if got, want := tbl.layout(80), []int{5, 0}; !slices.Equal(got, want) {
		t.Errorf("layout(80) = %v, want %v", got, want)
	}
}

func TestTableRendering(t *testing.T) {
	p := &printer{width: 30, pal: newPalette(&strings.Builder{}, false)}
	tbl := &table{indent: 2, columns: []*column{
		column3("NAME", cutMiddle, 10, 0, "checkout-7d9f8b6c5d-x2k4p", "web"),
		{header: "N", right: true, cells: []cell{{text: "3"}, {text: "12"}}},
		column3("MESSAGE", cutWrap, 8, 0, "one two three", ""),
	}}
	p.table(tbl)

	// The name and the message share the cut: 11 cells each.
	want := "" +
		"  NAME          N  MESSAGE\n" +
		"  check…x2k4p   3  one two\n" +
		"                   three\n" +
		"  web          12\n"
	if got := p.out.String(); got != want {
		t.Errorf("table output:\n%s\nwant:\n%s", got, want)
	}
}
