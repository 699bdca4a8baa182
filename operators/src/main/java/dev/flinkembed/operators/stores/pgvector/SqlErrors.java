package dev.flinkembed.operators.stores.pgvector;

import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * What a SQL failure means for the writer, and how to name it without leaking data.
 * <ul>
 *   <li>{@link #isTransient}: worth retrying on a new connection (lost connection, serialization failure, deadlock,
 *   out of resources, lock not available, server shutting down or starting).</li>
 *   <li>{@link #isDataError}: the rows are refused, not the database down — SQLSTATE classes 22 (data exception),
 *   23 (integrity constraint) and 54 (program limit, e.g. an index row too large): the writer isolates the documents
 *   that cause it and sends them to the dead letters.</li>
 *   <li>{@link #describe}: SQLSTATE and the server's primary message only. pgJDBC's own messages carry the bound
 *   values of a failed batch ("Batch entry 0 INSERT … VALUES ('…document text…')") and the server's Detail line
 *   carries key values: neither may reach a log, an exception or Flink's web UI.</li>
 * </ul>
 */
final class SqlErrors {

    /** Quoted strings longer than an identifier (63 bytes) are values, not names: masked in messages. */
    private static final Pattern LONG_QUOTED = Pattern.compile("\"[^\"]{64,}\"|'[^']{64,}'");

    private static final int MAX_MESSAGE = 240;

    private SqlErrors() {}

    static boolean isTransient(SQLException e) {
        for (SQLException x : chain(e)) {
            if (x instanceof SQLTransientException || x instanceof SQLRecoverableException) {
                return true;
            }
            String state = x.getSQLState();
            if (state != null
                    && (state.startsWith("08") // connection exception
                            || state.equals("40001")
                            || state.equals("40P01") // serialization failure, deadlock
                            || state.startsWith("53") // insufficient resources
                            || state.equals("55P03") // lock not available
                            || state.equals("57P01")
                            || state.equals("57P02")
                            || state.equals("57P03"))) { // shutdown/starting
                return true;
            }
        }
        return false;
    }

    static boolean isDataError(SQLException e) {
        if (isTransient(e)) {
            return false;
        }
        String state = state(e);
        return state != null && (state.startsWith("22") || state.startsWith("23") || state.startsWith("54"));
    }

    /** The most specific SQLSTATE in the chain (a batch's own state is often only the first entry's). */
    static String state(SQLException e) {
        SQLException root = root(e);
        return root.getSQLState() != null ? root.getSQLState() : e.getSQLState();
    }

    /** "SQLSTATE 54000: index row size 3016 exceeds btree version 4 maximum 2704 for index …" — never bound values. */
    static String describe(SQLException e) {
        SQLException root = root(e);
        String message;
        ServerErrorMessage server = root instanceof PSQLException p ? p.getServerErrorMessage() : null;
        if (server != null && server.getMessage() != null) {
            message = server.getMessage();
        } else if (root instanceof BatchUpdateException) {
            message = "a batch entry failed";
        } else {
            message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        }
        message = message.lines().findFirst().orElse("");
        Matcher m = LONG_QUOTED.matcher(message);
        message = m.replaceAll("«value»");
        if (message.length() > MAX_MESSAGE) {
            message = message.substring(0, MAX_MESSAGE) + "…";
        }
        String state = state(e);
        return (state == null ? "" : "SQLSTATE " + state + ": ") + message;
    }

    /** The innermost cause that is not a batch wrapper (it holds the server's own error). */
    private static SQLException root(SQLException e) {
        SQLException best = e;
        for (SQLException x : chain(e)) {
            if (!(x instanceof BatchUpdateException)) {
                return x;
            }
            best = x;
        }
        return best;
    }

    private static List<SQLException> chain(SQLException e) {
        List<SQLException> out = new ArrayList<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Throwable> todo = new ArrayDeque<>();
        todo.add(e);
        while (!todo.isEmpty() && out.size() < 16) {
            Throwable t = todo.poll();
            if (t == null || !seen.add(t)) {
                continue;
            }
            if (t instanceof SQLException s) {
                out.add(s);
                if (s.getNextException() != null) {
                    todo.add(s.getNextException());
                }
            }
            if (t.getCause() != null) {
                todo.add(t.getCause());
            }
        }
        return out;
    }

    /** A stand-in for {@code e} to throw or log: the same SQLSTATE, the {@link #describe described} message. */
    static SQLException sanitized(SQLException e) {
        SQLException s = new SQLException(describe(e), state(e));
        s.setStackTrace(e.getStackTrace());
        return s;
    }
}
