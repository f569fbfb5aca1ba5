package io.berth.auth;

import io.berth.model.AuthRecords.RobotToken;

/** Who is calling: a user, a robot token, or nobody (anonymous). */
public record Principal(String name, Kind kind, boolean admin, RobotToken robot) {
    public enum Kind { ANONYMOUS, USER, ROBOT }

    public static final Principal ANONYMOUS = new Principal("anonymous", Kind.ANONYMOUS, false, null);

    public static Principal user(String name, boolean admin) {
        return new Principal(name, Kind.USER, admin, null);
    }

    public static Principal robot(RobotToken token) {
        return new Principal("robot:" + token.name(), Kind.ROBOT, false, token);
    }

    public boolean isAnonymous() {
        return kind == Kind.ANONYMOUS;
    }

    /** The JWT subject that names this principal again: user name, or "robot:<id>". */
    public String subject() {
        return switch (kind) {
            case USER -> name;
            case ROBOT -> "robot:" + robot.id();
            case ANONYMOUS -> "";
        };
    }
}
