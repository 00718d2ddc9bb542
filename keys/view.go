package keys

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteCardView prints a card for people: one field a line, keysets as a table. No secret is in v.
func WriteCardView(w io.Writer, v CardView) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "ICCID\t%s\n", v.ICCID)
	fmt.Fprintf(tw, "IMSI\t%s\n", v.IMSI)
	if v.MSISDN != "" {
		fmt.Fprintf(tw, "MSISDN\t%s\n", v.MSISDN)
	}
	if v.Profile != "" {
		fmt.Fprintf(tw, "profile\t%s\n", v.Profile)
	}
	fmt.Fprintf(tw, "tenant\t%s\n", v.Tenant)
	fmt.Fprintf(tw, "lifecycle\t%s\n", v.Lifecycle)
	if len(v.Secrets) > 0 {
		fmt.Fprintf(tw, "secrets\t%s (sealed)\n", strings.Join(v.Secrets, ", "))
	}
	if len(v.IssuerKeys) > 0 {
		fmt.Fprintf(tw, "issuer keys\t%s\n", strings.Join(v.IssuerKeys, ", "))
	}
	if v.PublicKey != "" {
		fmt.Fprintf(tw, "public key\t%d bytes\n", len(v.PublicKey)/2)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nKVN\tKIc\tKID\tKIK\tCOUNTER\tTENANT")
	key := func(k *KeyView) string {
		if k == nil {
			return "-"
		}
		return k.Coding + " " + k.Algorithm
	}
	for _, ks := range v.Keysets {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", ks.KVN, key(ks.KIc), key(ks.KID), key(ks.KIK), ks.Counter, ks.Tenant)
	}
	if len(v.TARs) > 0 {
		fmt.Fprintln(tw, "\nTAR\tMSL\tTENANT")
		for _, t := range v.TARs {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", t.TAR, t.MSL, t.Tenant)
		}
	}
	return tw.Flush()
}
