package io.berth.scan.version;

import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A Maven artifact version, ordered as Maven's {@code ComparableVersion} (maven-artifact 3.9) orders it. The version,
 * lower-cased, is split into items at {@code .}, at {@code -} (which opens a sub-list) and at every change between
 * digits and letters (which also opens a sub-list); numbers compare numerically and above qualifiers; the known
 * qualifiers order as {@code alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp}, and
 * any other qualifier sorts after them, alphabetically; {@code a1}, {@code b1}, {@code m1} mean alpha, beta, milestone
 * when a digit follows. Trailing "null" items (0, the release qualifiers, empty lists) are dropped, so {@code 1.0} =
 * {@code 1} = {@code 1-ga}.
 *
 * @param text  the version as given
 * @param items the parsed item list
 */
public record MavenVersion(String text, ItemList items) implements Comparable<MavenVersion> {

    private static final String SCHEME = "Maven";
    private static final List<String> QUALIFIERS = List.of("alpha", "beta", "milestone", "rc", "snapshot", "", "sp");
    private static final Map<String, String> ALIASES = Map.of("ga", "", "final", "", "release", "", "cr", "rc");
    private static final String RELEASE_INDEX = String.valueOf(QUALIFIERS.indexOf(""));

    /** One item of a parsed version. */
    sealed interface Item permits Num, Qualifier, ItemList {
        /** Compares with another item, or with nothing (null) when the other list ended first. */
        int compareTo(Item other);

        boolean isNull();
    }

    /**
     * A number item.
     *
     * @param value the number
     */
    record Num(BigInteger value) implements Item {
        static final Num ZERO = new Num(BigInteger.ZERO);

        @Override
        public int compareTo(Item other) {
            return switch (other) {
                case null -> value.signum() == 0 ? 0 : 1;
                case Num n -> value.compareTo(n.value);
                case Qualifier q -> 1;
                case ItemList l -> 1;
            };
        }

        @Override
        public boolean isNull() {
            return value.signum() == 0;
        }
    }

    /**
     * A qualifier item, aliases resolved.
     *
     * @param value the qualifier
     */
    record Qualifier(String value) implements Item {
        static Qualifier of(String value, boolean followedByDigit) {
            if (followedByDigit && value.length() == 1) {
                value = switch (value.charAt(0)) {
                    case 'a' -> "alpha";
                    case 'b' -> "beta";
                    case 'm' -> "milestone";
                    default -> value;
                };
            }
            return new Qualifier(ALIASES.getOrDefault(value, value));
        }

        private static String comparable(String q) {
            int i = QUALIFIERS.indexOf(q);
            return i == -1 ? QUALIFIERS.size() + "-" + q : String.valueOf(i);
        }

        @Override
        public int compareTo(Item other) {
            return switch (other) {
                case null -> Integer.signum(comparable(value).compareTo(RELEASE_INDEX));
                case Num n -> -1;
                case Qualifier q -> Integer.signum(comparable(value).compareTo(comparable(q.value)));
                case ItemList l -> -1;
            };
        }

        @Override
        public boolean isNull() {
            return comparable(value).equals(RELEASE_INDEX);
        }
    }

    /**
     * A list of items: the whole version, or what follows a {@code -} or a digit/letter change.
     *
     * @param items the items, in order
     */
    record ItemList(List<Item> items) implements Item {
        @Override
        public int compareTo(Item other) {
            return switch (other) {
                case null -> {
                    for (Item i : items) {
                        int r = i.compareTo(null);
                        if (r != 0) {
                            yield r;
                        }
                    }
                    yield 0;
                }
                case Num n -> -1;
                case Qualifier q -> 1;
                case ItemList l -> {
                    Iterator<Item> left = items.iterator();
                    Iterator<Item> right = l.items.iterator();
                    while (left.hasNext() || right.hasNext()) {
                        Item a = left.hasNext() ? left.next() : null;
                        Item b = right.hasNext() ? right.next() : null;
                        int r = a == null ? (b == null ? 0 : -b.compareTo(null)) : a.compareTo(b);
                        if (r != 0) {
                            yield r;
                        }
                    }
                    yield 0;
                }
            };
        }

        @Override
        public boolean isNull() {
            return items.isEmpty();
        }

        /** Drops trailing null items, looking through trailing sub-lists as Maven does. */
        void normalize() {
            for (int i = items.size() - 1; i >= 0; i--) {
                Item last = items.get(i);
                if (last.isNull()) {
                    items.remove(i);
                } else if (!(last instanceof ItemList)) {
                    break;
                }
            }
        }
    }

    public static MavenVersion parse(String text) {
        if (text.isEmpty()) {
            throw new InvalidVersionException(SCHEME, text, "version string is empty");
        }
        for (int i = 0; i < text.length(); i++) {
            if (Character.isWhitespace(text.charAt(i)) || Character.isISOControl(text.charAt(i))) {
                throw new InvalidVersionException(SCHEME, text, "contains whitespace or a control character");
            }
        }
        String version = text.toLowerCase(Locale.ENGLISH);
        ItemList root = new ItemList(new ArrayList<>());
        ItemList list = root;
        Deque<ItemList> stack = new ArrayDeque<>();
        stack.push(list);
        boolean isDigit = false;
        int start = 0;
        for (int i = 0; i < version.length(); i++) {
            char c = version.charAt(i);
            if (c == '.' || c == '-') {
                list.items.add(i == start ? Num.ZERO : item(isDigit, version.substring(start, i)));
                start = i + 1;
                if (c == '-') {
                    list = openList(list, stack);
                }
            } else if (Character.isDigit(c)) {
                if (!isDigit && i > start) {
                    if (!list.items.isEmpty()) {
                        list = openList(list, stack);
                    }
                    list.items.add(Qualifier.of(version.substring(start, i), true));
                    start = i;
                    list = openList(list, stack);
                }
                isDigit = true;
            } else {
                if (isDigit && i > start) {
                    list.items.add(item(true, version.substring(start, i)));
                    start = i;
                    list = openList(list, stack);
                }
                isDigit = false;
            }
        }
        if (version.length() > start) {
            if (!isDigit && !list.items.isEmpty()) {
                list = openList(list, stack);
            }
            list.items.add(item(isDigit, version.substring(start)));
        }
        while (!stack.isEmpty()) {
            stack.pop().normalize();
        }
        return new MavenVersion(text, root);
    }

    private static ItemList openList(ItemList parent, Deque<ItemList> stack) {
        ItemList child = new ItemList(new ArrayList<>());
        parent.items.add(child);
        stack.push(child);
        return child;
    }

    private static Item item(boolean isDigit, String text) {
        return isDigit ? new Num(new BigInteger(text)) : Qualifier.of(text, false);
    }

    @Override
    public int compareTo(MavenVersion o) {
        return items.compareTo(o.items);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MavenVersion m && compareTo(m) == 0;
    }

    @Override
    public int hashCode() {
        return 0;
    }

    @Override
    public String toString() {
        return text;
    }
}
