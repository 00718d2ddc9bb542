package sqlite_test

import (
	"testing"

	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/keys/storetest"
)

func benchStore(b *testing.B) keys.Store { return openTemp(b) }

func BenchmarkReserveCounter(b *testing.B)         { storetest.BenchReserve(b, benchStore) }
func BenchmarkReserveCounterParallel(b *testing.B) { storetest.BenchReserveParallel(b, benchStore) }
func BenchmarkReserveCounterBatch1000(b *testing.B) {
	storetest.BenchReserveBatch(b, benchStore, 1000)
}
func BenchmarkImport100k(b *testing.B) { storetest.BenchImport(b, benchStore, 100_000) }
