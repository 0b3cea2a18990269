/* removed when the image store lands */ int image_placeholder_(void); int image_placeholder_(void) { return 0; }
