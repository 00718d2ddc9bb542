//go:build !linux

package pcsc

import "io"

// withQuickACK returns rw: TCP_QUICKACK is Linux's (quickack_linux.go); elsewhere the bridge
// reads with the system's default ACK policy.
func withQuickACK(rw io.ReadWriter) io.ReadWriter { return rw }
