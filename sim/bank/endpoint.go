package bank

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/stkforge/stkforge/sim/network"
	"github.com/stkforge/stkforge/stk/text"
)

// EndpointConfig configures an Endpoint.
type EndpointConfig struct {
	Addr, SystemID, Password string
	// Number is the bank's service number: the source_addr of its receipts.
	Number string
	// Workers decide payments and send receipts (default 4); Queue bounds the messages
	// waiting for them (default 65536), beyond which deliver_sm is answered ESME_RMSGQFUL.
	Workers, Queue int
	// OnResult, when set, hears every decided payment after its receipt was submitted (or
	// failed to be: receiptErr).
	OnResult func(r Result, receiptErr error)
	Logger   *slog.Logger
}

// Endpoint is the bank bound to an SMSC as an ESME (bind_transceiver, SMPP 3.4 4.1.5):
// payment short messages arrive as deliver_sm, receipts leave as submit_sm.
type Endpoint struct {
	bank *Bank
	cfg  EndpointConfig
	esme *network.ESME
	jobs chan *network.SM
	wg   sync.WaitGroup
	ctx  context.Context
	stop context.CancelFunc

	mu      sync.Mutex
	ignored int64 // deliver_sm that were not 8-bit data (text requests, receipts)
}

// Dial binds the bank to the SMSC at cfg.Addr.
func Dial(ctx context.Context, b *Bank, cfg EndpointConfig) (*Endpoint, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 65536
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	e := &Endpoint{bank: b, cfg: cfg, jobs: make(chan *network.SM, cfg.Queue)}
	e.ctx, e.stop = context.WithCancel(context.Background())
	esme, err := network.DialESME(ctx, cfg.Addr, network.BindTransceiver, cfg.SystemID, cfg.Password, e.onDeliver)
	if err != nil {
		e.stop()
		return nil, err
	}
	e.esme = esme
	for range cfg.Workers {
		e.wg.Add(1)
		go e.work()
	}
	return e, nil
}

// onDeliver runs on the ESME's reading goroutine: it must not wait for the SMSC, so the work
// goes to the workers.
func (e *Endpoint) onDeliver(sm *network.SM) network.Status {
	if sm.ESMClass&0x3C != 0 || !eightBit(sm.DataCoding) {
		// a delivery receipt or intermediate notification (SMPP 3.4 5.2.12), or a text request:
		// not a payment
		e.mu.Lock()
		e.ignored++
		e.mu.Unlock()
		return network.ROK
	}
	select {
	case e.jobs <- sm:
		return network.ROK
	default:
		return network.RMsgQFul
	}
}

func (e *Endpoint) work() {
	defer e.wg.Done()
	for {
		select {
		case <-e.ctx.Done():
			return
		case sm := <-e.jobs:
			r, err := e.bank.Receive(e.ctx, sm.Source, sm.ESMClass&network.ESMClassUDHI != 0, sm.ShortMessage)
			if err != nil {
				e.cfg.Logger.Warn("bank: segment refused", "from", sm.Source, "err", err)
				continue
			}
			if r == nil {
				continue
			}
			rerr := e.sendReceipt(sm, r.Receipt)
			if rerr != nil {
				e.cfg.Logger.Warn("bank: receipt not sent", "to", sm.Source, "err", rerr)
			}
			if e.cfg.OnResult != nil {
				e.cfg.OnResult(*r, rerr)
			}
		}
	}
}

// sendReceipt submits the receipt text to the payer in the GSM 7-bit default alphabet
// (data_coding 00: one septet per octet, SMPP 3.4 5.2.19), retrying while the SMSC throttles.
func (e *Endpoint) sendReceipt(in *network.SM, msg string) error {
	septets, err := text.EncodeGSM(msg)
	if err != nil {
		return err
	}
	sm := &network.SM{SourceTON: 0, SourceNPI: 1, Source: e.cfg.Number,
		DestTON: in.SourceTON, DestNPI: in.SourceNPI, Dest: in.Source, DataCoding: 0x00, ShortMessage: septets}
	wait := 10 * time.Millisecond
	for try := 0; ; try++ {
		_, err = e.esme.Submit(e.ctx, sm)
		var se *network.SubmitError
		if err == nil || !errors.As(err, &se) || (se.Status != network.RThrottled && se.Status != network.RMsgQFul) || try == 8 {
			return err
		}
		select {
		case <-e.ctx.Done():
			return e.ctx.Err()
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// Ignored is the number of deliver_sm that were not payment data.
func (e *Endpoint) Ignored() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.ignored
}

// Bank is the bank behind the endpoint.
func (e *Endpoint) Bank() *Bank { return e.bank }

// Close unbinds and stops the workers; messages still queued are dropped.
func (e *Endpoint) Close() error {
	err := e.esme.Close()
	e.stop()
	e.wg.Wait()
	return err
}

// eightBit says whether a TP-DCS codes 8-bit data (TS 23.038 4: general data coding 00xx and
// automatic deletion 01xx with bits 3-2 = 01, or the F0-FF group with bit 2 set).
func eightBit(dcs byte) bool {
	switch {
	case dcs&0x80 == 0x00:
		return dcs&0x0C == 0x04
	case dcs&0xF0 == 0xF0:
		return dcs&0x04 != 0
	}
	return false
}
