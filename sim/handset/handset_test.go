package handset

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sebdah/goldie/v2"
	"github.com/stkforge/stkforge/stk/cat"
)

func golden(t *testing.T) *goldie.Goldie {
	return goldie.New(t, goldie.WithFixtureDir("../../fixtures/golden/sim/handset"), goldie.WithNameSuffix(".golden"))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func results(trs []cat.TerminalResponse) string {
	var s []string
	for _, r := range trs {
		s = append(s, fmt.Sprintf("%s:%02X", strings.ReplaceAll(typeName(r.Details.Type), " ", "_"), byte(r.Result.General)))
	}
	return strings.Join(s, " ")
}

// TestPaymentSession: select 支付, enter 100, confirm yes, enter the PIN (checked on the card),
// the SMS to 95588 goes out silently, the receipt is cleared; the whole session is golden.
func TestPaymentSession(t *testing.T) {
	kit := payKit(t)
	h, _ := newSession(t, kit, "android")
	must(t, h.PowerOn())
	if s := h.Screen(); s.Kind != ScreenMenu || s.Title != "手机银行" || len(s.Items) != 2 {
		t.Fatalf("after power on: %+v", s)
	}
	must(t, h.SelectText("支付"))
	if s := h.Screen(); s.Kind != ScreenInput || s.Input.Max != 8 {
		t.Fatalf("%+v", s)
	}
	must(t, h.Enter("100"))
	must(t, h.Yes())
	must(t, h.Enter("1234"))
	if s := h.Screen(); s.Kind != ScreenText || s.Text != "支付成功" {
		t.Fatalf("%+v", s)
	}
	must(t, h.OK())
	if got := results(kit.trs); got != "SET_UP_MENU:00 GET_INPUT:00 GET_INKEY:00 GET_INPUT:00 SEND_SHORT_MESSAGE:00 DISPLAY_TEXT:00" {
		t.Errorf("results %s", got)
	}
	if len(kit.pinOK) != 1 || !kit.pinOK[0] {
		t.Errorf("PIN checks %v", kit.pinOK)
	}
	if yes, ok := kit.trs[2].YesNo(); !ok || !yes {
		t.Errorf("yes/no answer %v %v", yes, ok)
	}
	out := h.Outbox()
	if len(out) != 1 || out[0].Address != "95588" || string(out[0].UD) != "PAY 100" || out[0].Alpha != "" {
		t.Fatalf("outbox %+v", out)
	}
	if h.Screen().Kind != ScreenMenu {
		t.Errorf("back to the menu: %+v", h.Screen())
	}
	golden(t).Assert(t, "payment-android", []byte(Transcript(h.Events())))
}

// TestUserActions: back (11), cancel (10), timeout (12), help on the menu and on a prompt
// (13), a no on yes/no, and the strict handset that never times out.
func TestUserActions(t *testing.T) {
	cases := []struct {
		name, prof string
		do         func(h *Handset) error
		want       string
	}{
		{"back", "android", func(h *Handset) error { return h.Back() }, "SET_UP_MENU:00 GET_INPUT:11"},
		{"cancel", "android", func(h *Handset) error { return h.Cancel() }, "SET_UP_MENU:00 GET_INPUT:10"},
		{"timeout", "android", func(h *Handset) error { return h.Wait(0) }, "SET_UP_MENU:00 GET_INPUT:12"},
		{"no", "feature-phone", func(h *Handset) error {
			if err := h.Enter("100"); err != nil {
				return err
			}
			return h.No()
		}, "SET_UP_MENU:00 GET_INPUT:00 GET_INKEY:00"},
		{"digits only", "android", func(h *Handset) error {
			if err := h.Enter("10a"); err == nil {
				return errors.New("letters accepted in digit mode")
			}
			return h.Enter("123456789") // longer than max 8
		}, "fail"},
		{"strict waits for ever", "strict", func(h *Handset) error { return h.Wait(0) }, "fail"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kit := payKit(t)
			h, _ := newSession(t, kit, c.prof)
			must(t, h.PowerOn())
			must(t, h.Select(2))
			err := c.do(h)
			if c.want == "fail" {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			must(t, err)
			if got := results(kit.trs); got != c.want {
				t.Errorf("results %s, want %s", got, c.want)
			}
		})
	}
	t.Run("help", func(t *testing.T) {
		kit := payKit(t)
		h, _ := newSession(t, kit, "android")
		must(t, h.PowerOn())
		must(t, h.Help(2))
		if s := h.Screen(); s.Text != "Help text" {
			t.Fatalf("%+v", s)
		}
		must(t, h.OK())
		if err := h.Back(); !errors.Is(err, ErrNotHere) {
			t.Errorf("back on the idle menu: %v", err)
		}
	})
}

// TestSMSPPDownloadBusy: a data download while a prompt waits meets 93 00, is retried, then
// refused with RP-ERROR TP-FCS D4 (TS 31.111 7.1.1.1); once idle the card takes it.
func TestSMSPPDownloadBusy(t *testing.T) {
	kit := payKit(t)
	h, _ := newSession(t, kit, "android")
	must(t, h.PowerOn())
	must(t, h.Select(2))
	st := &Step{Op: "sms", From: "1234", UD: []byte{0x02, 0x70, 0x00}, PID: 0x7F, DCS: 0xF6}
	deliver := func() ([]byte, error) {
		d := fmt.Sprintf("%X", st.UD)
		_ = d
		b, err := smsDeliver(h, st)
		if err != nil {
			t.Fatal(err)
		}
		return h.DeliverSMS(context.Background(), b)
	}
	_, err := deliver()
	var rp *RPError
	if !errors.As(err, &rp) || rp.FCS != 0xD4 {
		t.Fatalf("busy: %v", err)
	}
	must(t, h.Cancel())
	rep, err := deliver()
	if err != nil || rep != nil {
		t.Fatalf("idle: report % X, %v", rep, err)
	}
}

// TestTimer: TIMER MANAGEMENT starts a timer on the handset clock; waiting past it sends TIMER
// EXPIRATION.
func TestTimer(t *testing.T) {
	kit := payKit(t)
	kit.scripts[3] = []cat.Command{&cat.TimerManagement{CommandHeader: cat.CommandHeader{Destination: cat.DeviceTerminal},
		Timer: cat.TimerIdentifier{Identifier: 1}, Value: &cat.TimerValue{Seconds: 30}}}
	h, _ := newSession(t, kit, "strict")
	must(t, h.PowerOn())
	h.mu.Lock()
	h.menu.Items = append(h.menu.Items, Item{ID: 3, Full: "timer", Text: "timer"})
	h.screen = h.idle()
	h.mu.Unlock()
	must(t, h.Select(3))
	must(t, h.Wait(time.Minute))
	if s := h.Screen(); s.Text != "Timer ran out" {
		t.Fatalf("%+v", s)
	}
}
