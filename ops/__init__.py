"""The operations desk page of the admin (issue 11 item 6): reads only, from the database that
every web host shares, so each host shows the same numbers."""
