from assembly.cli import main

main()
