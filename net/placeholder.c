/* removed when networking lands */ int net_placeholder_(void); int net_placeholder_(void) { return 0; }
