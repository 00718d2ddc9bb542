package handset

import (
	"fmt"
	"strings"
	"time"

	"github.com/stkforge/stkforge/stk/cat/profile"
	"github.com/stkforge/stkforge/stk/check"
)

// Profile is a class of handset: the TERMINAL PROFILE it downloads (TS 102 223 5.2) and the
// limits the checker (stk/check) holds menus to, so the emulator and the checker agree.
type Profile struct {
	Name            string
	TerminalProfile profile.Profile
	// MenuTimeout is how long a prompt stays before the handset answers "no response from
	// user" (result 12, TS 102 223 6.4); 0: the handset waits for ever.
	MenuTimeout time.Duration
	// InputMaxGSM and InputMaxUCS2 are the longest GET INPUT answers the keypad takes.
	InputMaxGSM, InputMaxUCS2 int
	// ScreenWidth and ScreenHeight are in characters (TERMINAL PROFILE byte 14 and 15); 0 when
	// the profile does not say, and the screen then wraps at RenderWidth.
	ScreenWidth, ScreenHeight int
	// MenuWidth is how many characters of a menu item the handset shows (screen width less
	// the menu width reduction); 0: items are shown whole.
	MenuWidth int
	// UCS2Entry: the keypad can enter UCS2 text (TERMINAL PROFILE byte 2 bit 2).
	UCS2Entry bool
	// AccessTechnology is what PROVIDE LOCAL INFORMATION 06 reports (TS 102 223 8.61).
	AccessTechnology byte
}

// RenderWidth is the width screens are drawn at.
func (p *Profile) RenderWidth() int {
	if p.ScreenWidth > 0 {
		return p.ScreenWidth
	}
	return 28
}

// ProfileNames are the handset profiles LookupProfile knows.
func ProfileNames() []string { return check.HandsetNames() }

// LookupProfile returns a named handset profile: "android", "feature-phone" or "strict".
func LookupProfile(name string) (*Profile, error) {
	h, tp, ok := check.LookupHandset(name)
	if !ok {
		return nil, fmt.Errorf("handset: no profile %q (have %s)", name, strings.Join(ProfileNames(), ", "))
	}
	p := &Profile{Name: h.Name, TerminalProfile: tp, MenuTimeout: time.Duration(h.MenuTimeout) * time.Second,
		InputMaxGSM: h.InputMaxGSM, InputMaxUCS2: h.InputMaxUCS2, MenuWidth: h.MenuWidth,
		UCS2Entry: tp.Has("ucs2_entry")}
	p.ScreenWidth, _ = tp.Field("screen_width")
	p.ScreenHeight, _ = tp.Field("screen_height")
	// 8.61: 00 GSM, 08 E-UTRAN. The feature phone is a 2G phone; the others are LTE phones.
	if name != "feature-phone" {
		p.AccessTechnology = 0x08
	}
	return p, nil
}
