/* The library from Vala, through httplib-1.0.vapi: a GET against the
 * loopback server whose port is in HTTPLIB_TEST_PORT. */

static int failures = 0;
static int number = 0;

static void check (bool condition, string what) {
    number++;
    print ("%s %d - %s\n", condition ? "ok" : "not ok", number, what);
    if (!condition)
        failures++;
}

static string text (Bytes bytes) {
    return ((string) bytes.get_data ()).substring (0, (long) bytes.get_size ());
}

int main (string[] args) {
    var port = (uint) int.parse (Environment.get_variable ("HTTPLIB_TEST_PORT") ?? "0");
    print ("1..5\n");
    try {
        var conn = new Httplib.Connection ("127.0.0.1", port);
        conn.set_timeout (10);
        var changes = 0;
        conn.state_changed.connect ((old_state, new_state) => { changes++; });

        conn.request ("GET", "/", null, null);
        var response = conn.get_response ();
        check (response.status == 200 && response.reason == "OK",
               "GET status %u %s".printf (response.status, response.reason));
        check (text (response.read (-1)) == "<html>hello</html>", "GET body");

        conn.request ("GET", "/parrot.spam", null, null);
        response = conn.get_response ();
        check (response.status == Httplib.Status.NOT_FOUND, "second GET status %u".printf (response.status));
        check (text (response.read (-1)) == "no such page: /parrot.spam", "second GET body");
        conn.close ();
        /* connecting, idle, then four per request, then closed */
        check (changes == 11, "state-changed %d times".printf (changes));
    } catch (Error e) {
        print ("not ok - %s\n", e.message);
        return 1;
    }
    return failures == 0 ? 0 : 1;
}
