package handset

import (
	"fmt"
	"testing"

	"github.com/stkforge/stkforge/sim/network"
)

type fakeNet struct {
	from []string
	err  error
}

func (n *fakeNet) SubmitMO(from string, tpdu []byte) error {
	n.from = append(n.from, fmt.Sprintf("%s %X", from, tpdu[:2]))
	return n.err
}

// TestNetwork: sent SMS reach the network from the handset's MSISDN with the handset's TP-MR;
// a network without a route makes SEND SHORT MESSAGE answer 35 with RP cause 01.
func TestNetwork(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{{nil, "SET_UP_MENU:00 SEND_SHORT_MESSAGE:00 DISPLAY_TEXT:00"}, {network.ErrNoRoute, "SET_UP_MENU:00 SEND_SHORT_MESSAGE:35 DISPLAY_TEXT:00"}} {
		n := &fakeNet{err: c.err}
		kit := payKit(t)
		h, _ := newSession(t, kit, "android", WithNetwork(n, "+8613800000001"))
		must(t, h.PowerOn())
		must(t, h.Select(1))
		must(t, h.OK())
		must(t, h.Select(1))
		if got := results(kit.trs[:3]); got != c.want {
			t.Errorf("results %s, want %s", got, c.want)
		}
		if c.err != nil && fmt.Sprintf("% X", kit.trs[1].Result.Additional) != "01" {
			t.Errorf("RP cause % X", kit.trs[1].Result.Additional)
		}
		if fmt.Sprint(n.from) != "[+8613800000001 0100 +8613800000001 0101]" {
			t.Errorf("network saw %v", n.from)
		}
	}
}
