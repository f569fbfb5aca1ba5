package io.berth.metadata;

/** Row-lock clauses for the SELECTs that check-then-act steps depend on; SQLite needs (and parses) none. */
enum Dialect {
    SQLITE("", ""),
    POSTGRES(" FOR SHARE", " FOR UPDATE");

    final String forShare;
    final String forUpdate;

    Dialect(String forShare, String forUpdate) {
        this.forShare = forShare;
        this.forUpdate = forUpdate;
    }
}
