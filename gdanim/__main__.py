from gdanim.cli import main

main()
