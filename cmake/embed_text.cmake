# Turns a text file into a C++ header with one constexpr char array (a raw string literal),
# so resources such as nmt serve's web page are compiled into the library.
#   cmake -DIN=page.html -DOUT=page_html.h -DNAME=kPageHtml -P embed_text.cmake
file(READ "${IN}" content)
string(FIND "${content}" ")nmt_embed\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw-string delimiter )nmt_embed\" and cannot be embedded")
endif()
file(WRITE "${OUT}.tmp" "// Generated from ${IN} by cmake/embed_text.cmake; edit the source file instead.\n"
                         "#pragma once\n"
                         "inline constexpr char ${NAME}[] = R\"nmt_embed(${content})nmt_embed\";\n")
file(RENAME "${OUT}.tmp" "${OUT}")
