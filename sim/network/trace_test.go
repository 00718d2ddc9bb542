package network

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stkforge/stkforge/sim/trace"
	"github.com/stkforge/stkforge/sim/trace/tsharktest"
)

// TestTraceDecodes has the SMSC write its sessions to a pcap (SMSC side on port 2775) and
// tshark decode it: bind, submit_sm, the receipt and an MO with UDH 71 as deliver_sm.
func TestTraceDecodes(t *testing.T) {
	tsharktest.Path(t)
	path := filepath.Join(t.TempDir(), "smsc.pcap")
	w, err := trace.Create(path, trace.WithClock(trace.StepClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Millisecond)))
	if err != nil {
		t.Fatal(err)
	}
	s := listen(t, func(c *Config) { c.Trace = w })
	s.Register("+491720000001", HandsetFunc(func(context.Context, []byte) ([]byte, error) { return nil, nil }))
	got := make(chan *SM, 2)
	e, err := DialESME(context.Background(), s.Addr().String(), BindTransceiver, "bank", "bankpw", func(sm *SM) Status { got <- sm; return ROK })
	if err != nil {
		t.Fatal(err)
	}
	sm := otaSubmit()
	sm.Source = "999"
	if _, err := e.Submit(context.Background(), sm); err != nil {
		t.Fatal(err)
	}
	<-got // receipt
	// SMS-SUBMIT to 999: UDHI, DA 03 81 99 F9, PID 00, DCS F6, UDL 0C, 02 71 00 + a short PoR
	if err := s.SubmitMO("+491720000001", unhex("4100038199F900F60C027100000600B00010000000")); err != nil {
		t.Fatal(err)
	}
	if mo := <-got; mo.ESMClass != 0x40 {
		t.Errorf("MO %+v", mo)
	}
	// The ESME answers after its callback returns: wait until the SMSC has read both
	// deliver_sm_resp, or closing could cut the last one off the trace (seen under -race).
	for deadline := time.Now().Add(time.Minute); s.Stats().DeliverAck < 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("deliver_sm not answered: %+v", s.Stats())
		}
	}
	e.Close()
	s.Close()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rows := tsharktest.Fields(t, path, tsharktest.SMPPFields...)
	var seen []string
	for _, r := range rows {
		if r[1] != "" {
			seen = append(seen, r[1]+"/"+r[3])
		}
	}
	want := []string{"0x00000009/", "0x80000009/", "0x00000004/0x70", "0x80000004/", "0x00000005/", "0x80000005/", "0x00000005/0x71", "0x80000005/", "0x00000006/", "0x80000006/"}
	// the MO may be written before the receipt's response is read: compare as sets
	slices.Sort(seen)
	slices.Sort(want)
	if strings.Join(seen, " ") != strings.Join(want, " ") {
		t.Errorf("tshark read\n %v\nwant\n %v", seen, want)
	}
}
