package dev.flinkembed.operators.pgvector;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;

/** Which SQL failures are worth retrying: lost connections, serialization failures, deadlocks, a server starting up. */
final class TransientSqlErrors {

    private TransientSqlErrors() {
    }

    static boolean isTransient(SQLException e) {
        for (SQLException x = e; x != null; x = x.getNextException()) {
            if (x instanceof SQLTransientException || x instanceof SQLRecoverableException) {
                return true;
            }
            String state = x.getSQLState();
            if (state != null && (state.startsWith("08")            // connection exception
                    || state.equals("40001") || state.equals("40P01") // serialization failure, deadlock
                    || state.startsWith("53")                       // insufficient resources
                    || state.equals("55P03")                        // lock not available
                    || state.equals("57P01") || state.equals("57P02") || state.equals("57P03"))) { // shutdown/starting
                return true;
            }
            if (x.getNextException() == x) {
                break;
            }
        }
        return false;
    }
}
